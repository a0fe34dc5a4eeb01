{#- A text value as a number, NULL when it is not a plain decimal number (never an error). -#}
{% macro try_cast_number(text) -%}
    {{ return(adapter.dispatch('try_cast_number', 'objectiv_analytics')(text)) }}
{%- endmacro %}

{% macro default__try_cast_number(text) -%}
    case when trim({{ text }}) ~ '^[-+]?[0-9]+(\.[0-9]+)?$' then cast(trim({{ text }}) as {{ dbt.type_numeric() }}) end
{%- endmacro %}

{% macro duckdb__try_cast_number(text) -%}
    try_cast(trim({{ text }}) as {{ dbt.type_numeric() }})
{%- endmacro %}
