{#- A select of count(distinct column) per (time_grain, period) of the relation's moment (see
    time_grain_buckets), as an integer column named `name`: the body of unique_users and unique_sessions.
    The rows are first reduced to distinct (day, value) pairs, from which months are rolled up (exact for
    distinct counts, and much cheaper than bucketing every event per grain). count(distinct) skips NULL
    values, so NULL (anonymized) users are not counted. -#}
{% macro count_distinct_per_period(relation, column, name, grains=['day', 'month']) -%}
    {%- set days -%}
    (
        select distinct
            date_trunc('day', moment) as day_start,
            {{ column }}
        from {{ relation }}
    ) as days
    {%- endset -%}
select
    -- period
    time_grain,
    period,

    -- counts
    cast(count(distinct {{ column }}) as integer) as {{ name }}
from (
    {{ time_grain_buckets(days, [column], 'day_start', grains) }}
) as bucketed
group by time_grain, period
{%- endmacro %}
