{#- Stickiness per ISO week and per month (PostHog's and Mixpanel's stickiness): the users active on
    exactly n distinct days of the period, for each n, and their share of the period's active users.
    Incremental: the weeks and months holding a day changed in int_user_active_days since the last run are
    computed again from all of their active days (delete+insert by period). -#}
{{ config(
    materialized='incremental',
    unique_key=['time_grain', 'period'],
    indexes=postgres_indexes(['period']),
) }}
{%- set grains = ['week', 'month'] %}
with active_days as (
    select * from {{ ref('int_user_active_days') }}
),

{% if is_incremental() %}
changed_days as (
    select distinct active_day
    from active_days
    where dbt_updated_at > {{ high_water_mark() }}
),
{% endif %}

user_periods as (
    {%- for grain in grains %}
    select
        '{{ grain }}' as time_grain,
        date_trunc('{{ grain }}', active_day) as period_start,
        user_id,
        count(*) as active_days
    from active_days
    {%- if is_incremental() %}
    where date_trunc('{{ grain }}', active_day) in (select date_trunc('{{ grain }}', active_day) from changed_days)
    {%- endif %}
    group by date_trunc('{{ grain }}', active_day), user_id
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

counts as (
    select
        time_grain,
        period_start,
        active_days,
        count(*) as users
    from user_periods
    group by time_grain, period_start, active_days
)

select
    -- period
    time_grain,
    case time_grain
        {%- for grain in grains %}
        when '{{ grain }}' then {{ period_label('period_start', grain) }}
        {%- endfor %}
    end as period,

    -- days active
    cast(active_days as integer) as active_days,

    -- users
    cast(users as integer) as users,
    cast(sum(users) over (partition by time_grain, period_start) as integer) as period_users,
    {{ round_decimals('100 * cast(users as double precision) / sum(users) over (partition by time_grain, period_start)', 3) }} as percentage,
    {{ run_timestamp() }} as dbt_updated_at
from counts
