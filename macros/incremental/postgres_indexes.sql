{#- PostgreSQL indexes for an incremental model (the config `indexes`): the keys its runs delete and look up
    by, and dbt_updated_at where the models downstream look for what changed. DuckDB needs none (and its
    indexes slow bulk deletes). -#}
{% macro postgres_indexes(columns) -%}
    {%- if target.type != 'postgres' -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set indexes = [] -%}
    {%- for column in columns -%}
        {%- do indexes.append({'columns': [column]}) -%}
    {%- endfor -%}
    {{ return(indexes) }}
{%- endmacro %}
