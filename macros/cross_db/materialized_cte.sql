{#- Keyword after `<cte name> as` that makes the engine compute a CTE once. PostgreSQL inlines CTEs used
    once, which would re-parse the event JSON at every reference; DuckDB computes projections once anyway
    (and materializing there copies the data). -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'objectiv_analytics')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}
    materialized
{%- endmacro %}

{% macro duckdb__materialized_cte() -%}
{%- endmacro %}
