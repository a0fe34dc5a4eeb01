{#- The newest value of a column in this incremental model, as a SQL timestamp literal (read once when the
    model runs, so every reference in the model and its hooks sees the same value, and PostgreSQL plans
    with a constant). Not incremental, or an empty table: a time before any data. -#}
{% macro high_water_mark(column='dbt_updated_at', where=none) -%}
    {%- set fallback = "cast('1900-01-01 00:00:00' as timestamp)" -%}
    {%- if not (execute and is_incremental()) -%}
        {{ return(fallback) }}
    {%- endif -%}
    {%- set query -%}
        select cast(max({{ column }}) as {{ dbt.type_string() }}) from {{ this }}
        {%- if where %} where {{ where }}{% endif %}
    {%- endset -%}
    {%- set newest = run_query(query).columns[0].values()[0] -%}
    {{ return(fallback if newest is none else "cast('" ~ newest ~ "' as timestamp)") }}
{%- endmacro %}


{#- When this dbt invocation started (UTC), the same value for every model of the run: written to
    dbt_updated_at, it tells the next models which rows this run (re)computed. -#}
{% macro run_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}
