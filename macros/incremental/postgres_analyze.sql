{#- Post-hook of every model (dbt_project.yml): on PostgreSQL, fresh statistics for an incremental model, so
    that the next run plans its "newer than the high-water mark" filters with how few rows that is. A table
    made by CREATE TABLE AS has none until autovacuum gets to it; without them the planner guesses a third of
    the table and sorts or hashes all of it. -#}
{% macro postgres_analyze() -%}
    {%- if target.type == 'postgres' and model.config.materialized == 'incremental' -%}
    analyze {{ this }}
    {%- endif -%}
{%- endmacro %}
