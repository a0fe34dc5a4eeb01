{#- Pre-hook of every model (dbt_project.yml): on PostgreSQL, the session settings of var postgres_settings
    (`set <name> = '<value>'` each). The defaults: work_mem 256MB, because the server's 4MB makes the window
    functions and joins over every event sort on disk; jit off, because the planner's estimates for these
    CTE-heavy queries are far too high and make it JIT-compile them, which took 4 of 12 s of
    int_conversion_events at 200,000 events. Nothing elsewhere. -#}
{% macro postgres_session_settings() -%}
    {%- if target.type == 'postgres' -%}
    {%- for name, value in (var('postgres_settings') or {}).items() -%}
    set {{ name }} = '{{ value }}';
    {% endfor -%}
    {%- endif -%}
{%- endmacro %}
