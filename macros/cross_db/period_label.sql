{#- A timestamp's time bucket as text, the way the model hub's time_agg labels it: 'YYYY-MM-DD' (day),
    'YYYY-MM-DD' of the ISO week's Monday (week), 'YYYY-MM' (month), 'YYYY' (year). Both engines truncate
    weeks to Mondays alike; only the formatting function differs (to_char vs strftime). -#}
{% macro period_label(timestamp, grain) -%}
    {%- if grain not in ['day', 'week', 'month', 'year'] -%}
        {{ exceptions.raise_compiler_error("period_label: grain must be day, week, month or year, got: " ~ grain) }}
    {%- endif -%}
    {%- set bucketed = "date_trunc('week', " ~ timestamp ~ ")" if grain == 'week' else timestamp -%}
    {{ return(adapter.dispatch('period_label', 'objectiv_analytics')(bucketed, grain)) }}
{%- endmacro %}

{% macro default__period_label(timestamp, grain) -%}
    {%- set formats = {'day': 'YYYY-MM-DD', 'week': 'YYYY-MM-DD', 'month': 'YYYY-MM', 'year': 'YYYY'} -%}
    to_char({{ timestamp }}, '{{ formats[grain] }}')
{%- endmacro %}

{% macro duckdb__period_label(timestamp, grain) -%}
    {%- set formats = {'day': '%Y-%m-%d', 'week': '%Y-%m-%d', 'month': '%Y-%m', 'year': '%Y'} -%}
    strftime({{ timestamp }}, '{{ formats[grain] }}')
{%- endmacro %}
