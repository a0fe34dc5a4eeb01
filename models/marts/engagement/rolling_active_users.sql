{#- Per UTC day the users active that day (DAU), in the 7 days ending that day (WAU) and in the 28 days ending
    that day (MAU), and the DAU/MAU ratio. Each active (user, day) counts towards the 28 days from it on.
    Incremental: every day from the earliest day changed in int_user_active_days since the last run on is
    computed again, from the active days of the 27 days before it on (a new first day of the data changes
    is_full_window of later days: they are all after it). -#}
{{ config(
    materialized='incremental',
    unique_key='day',
    indexes=postgres_indexes(['day']),
) }}
with all_active_days as (
    select * from {{ ref('int_user_active_days') }}
),

bounds as (
    select
        min(active_day) as first_day,
        max(active_day) as last_day
    from all_active_days
),

{% if is_incremental() %}
recompute_from as (
    select min(active_day) as day_start
    from all_active_days
    where dbt_updated_at > {{ high_water_mark() }}
),
{% endif %}

active_days as (
    select * from all_active_days
    {%- if is_incremental() %}
    where active_day >= (select day_start - interval '27 days' from recompute_from)
    {%- endif %}
),

-- every (user, day) a user counts as active in some window: the active day and the 27 days after it
windows as (
    select
        active_days.user_id,
        active_days.active_day + offsets.days_after * interval '1 day' as day_start,
        offsets.days_after
    from active_days
    cross join (
        values {% for days_after in range(28) %}({{ days_after }}){{ ', ' if not loop.last }}{% endfor %}
    ) as offsets (days_after)
),

per_day as (
    select
        day_start,
        count(distinct case when days_after = 0 then user_id end) as daily_active_users,
        count(distinct case when days_after < 7 then user_id end) as weekly_active_users,
        count(distinct user_id) as monthly_active_users
    from windows
    group by day_start
)

select
    -- day
    cast(per_day.day_start as date) as day,

    -- users
    cast(per_day.daily_active_users as integer) as daily_active_users,
    cast(per_day.weekly_active_users as integer) as weekly_active_users,
    cast(per_day.monthly_active_users as integer) as monthly_active_users,
    {{ round_decimals('cast(per_day.daily_active_users as double precision) / per_day.monthly_active_users', 3) }} as dau_mau_ratio,

    -- whether 28 days of data precede the day (else WAU/MAU cover only the days since the data starts)
    per_day.day_start >= bounds.first_day + interval '27 days' as is_full_window,
    {{ run_timestamp() }} as dbt_updated_at
from per_day
cross join bounds
where per_day.day_start <= bounds.last_day
    {%- if is_incremental() %}
    and per_day.day_start >= (select day_start from recompute_from)
    {%- endif %}
