{#- A number rounded to `decimals` places (half away from zero), as double precision. PostgreSQL only has
    round(numeric, integer), so the value goes through numeric there; DuckDB rounds doubles directly. -#}
{% macro round_decimals(value, decimals) -%}
    {{ return(adapter.dispatch('round_decimals', 'objectiv_analytics')(value, decimals)) }}
{%- endmacro %}

{% macro default__round_decimals(value, decimals) -%}
    cast(round(cast({{ value }} as numeric), {{ decimals }}) as double precision)
{%- endmacro %}

{% macro duckdb__round_decimals(value, decimals) -%}
    cast(round(cast({{ value }} as double precision), {{ decimals }}) as double precision)
{%- endmacro %}
