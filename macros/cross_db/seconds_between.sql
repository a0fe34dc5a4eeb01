{#- Seconds (with milliseconds) from one timestamp to a later one, as a number. -#}
{% macro seconds_between(start, end) -%}
    {{ return(adapter.dispatch('seconds_between', 'objectiv_analytics')(start, end)) }}
{%- endmacro %}

{% macro default__seconds_between(start, end) -%}
    cast(extract(epoch from ({{ end }}) - ({{ start }})) as double precision)
{%- endmacro %}

{% macro duckdb__seconds_between(start, end) -%}
    (date_diff('millisecond', {{ start }}, {{ end }}) / 1000.0)
{%- endmacro %}
