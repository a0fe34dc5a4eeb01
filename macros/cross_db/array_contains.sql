{#- True when a text array contains the value (e.g. an event's ancestry contains 'InteractiveEvent'). -#}
{% macro array_contains(array, value) -%}
    {{ return(adapter.dispatch('array_contains', 'objectiv_analytics')(array, value)) }}
{%- endmacro %}

{% macro default__array_contains(array, value) -%}
    coalesce({{ value }} = any({{ array }}), false)
{%- endmacro %}

{% macro duckdb__array_contains(array, value) -%}
    coalesce(list_contains({{ array }}, {{ value }}), false)
{%- endmacro %}
