{#- PostgreSQL indexes for an incremental model (the config `indexes`): the keys its runs delete and look up
    by. DuckDB needs none (and its indexes slow bulk deletes). -#}
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
