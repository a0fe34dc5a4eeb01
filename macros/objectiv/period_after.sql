{#- The start of the period following (or, with `before`, preceding) a period start of a grain: day, week
    (7 days) or month. Same interval arithmetic on both engines. -#}
{% macro period_after(period_start, grain, before=false) -%}
    {%- set units = {'day': '1 day', 'week': '7 days', 'month': '1 month'} -%}
    {%- if grain not in units -%}
        {{ exceptions.raise_compiler_error("period_after: grain must be day, week or month, got: " ~ grain) }}
    {%- endif -%}
    ({{ period_start }} {{ '-' if before else '+' }} interval '{{ units[grain] }}')
{%- endmacro %}
