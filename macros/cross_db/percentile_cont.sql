{#- Continuous percentile of an aggregated expression, interpolated linearly between the two nearest
    values like PostgreSQL's percentile_cont (position fraction * (n - 1) in the sorted values); DuckDB's
    quantile_cont interpolates the same way. fraction: a number in [0, 1]. -#}
{% macro percentile_cont(expression, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont', 'objectiv_analytics')(expression, fraction)) }}
{%- endmacro %}

{% macro default__percentile_cont(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__percentile_cont(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}
