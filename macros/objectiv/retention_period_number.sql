{#- The retention matrix column k of an event: periods from the user's first event (model-hub-semantics 4).
    daily: whole 24-hour periods elapsed since the first event (not calendar days: 23:00 -> 01:00 the next
    day is still 0); weekly: ISO (Monday) weeks between the two weeks; monthly: 12 * year difference +
    month difference; yearly: year difference. Week differences are exact multiples of 7 days, so the
    division is exact on both engines (integer division on PostgreSQL, floating on DuckDB). -#}
{% macro retention_period_number(first_at, moment, time_period) -%}
    {%- do retention_grain(time_period) -%}
    {%- if time_period == 'daily' -%}
    cast(floor({{ seconds_between(first_at, moment) }} / 86400) as integer)
    {%- elif time_period == 'weekly' -%}
    cast(
        (cast(date_trunc('week', {{ moment }}) as date) - cast(date_trunc('week', {{ first_at }}) as date)) / 7
        as integer
    )
    {%- elif time_period == 'monthly' -%}
    cast(12 * (extract(year from {{ moment }}) - extract(year from {{ first_at }}))
        + extract(month from {{ moment }}) - extract(month from {{ first_at }}) as integer)
    {%- else -%}
    cast(extract(year from {{ moment }}) - extract(year from {{ first_at }}) as integer)
    {%- endif -%}
{%- endmacro %}


{#- The period_label grain of a retention time period (daily -> day, weekly -> week, monthly -> month,
    yearly -> year); fails at compile time on any other name. -#}
{% macro retention_grain(time_period) -%}
    {%- set grains = {'daily': 'day', 'weekly': 'week', 'monthly': 'month', 'yearly': 'year'} -%}
    {%- if time_period not in grains -%}
        {{ exceptions.raise_compiler_error(
            "retention time_period must be daily, weekly, monthly or yearly, got: " ~ time_period) }}
    {%- endif -%}
    {{ return(grains[time_period]) }}
{%- endmacro %}
