{#- Users per lifecycle status per day, ISO week and month (PostHog's lifecycle): new (first active
    period), returning (active in this and the previous period), resurrecting (active, not in the previous
    period, but before) and dormant (active in the previous period, not in this one). -#}
{%- set grains = ['day', 'week', 'month'] %}
with active_days as (
    select * from {{ ref('int_user_active_days') }}
),

active_periods as (
    {%- for grain in grains %}
    select distinct
        '{{ grain }}' as time_grain,
        user_id,
        date_trunc('{{ grain }}', active_day) as period_start
    from active_days
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

-- each active period with the user's previous and next active period, and the periods just before and after
user_periods as (
    select
        time_grain,
        user_id,
        period_start,
        lag(period_start) over (partition by time_grain, user_id order by period_start) as previous_active_start,
        lead(period_start) over (partition by time_grain, user_id order by period_start) as next_active_start,
        case time_grain
            {%- for grain in grains %}
            when '{{ grain }}' then {{ period_after('period_start', grain, before=true) }}
            {%- endfor %}
        end as preceding_start,
        case time_grain
            {%- for grain in grains %}
            when '{{ grain }}' then {{ period_after('period_start', grain) }}
            {%- endfor %}
        end as following_start
    from active_periods
),

last_periods as (
    select
        time_grain,
        max(period_start) as last_start
    from active_periods
    group by time_grain
),

statuses as (
    select
        time_grain,
        period_start,
        user_id,
        case
            when previous_active_start is null then 'new'
            when previous_active_start = preceding_start then 'returning'
            else 'resurrecting'
        end as status
    from user_periods

    union all

    -- dormant in the period after an active one without activity, up to the last period of the data
    select
        user_periods.time_grain,
        user_periods.following_start as period_start,
        user_periods.user_id,
        'dormant' as status
    from user_periods
    inner join last_periods
        on user_periods.time_grain = last_periods.time_grain
    where (user_periods.next_active_start is null or user_periods.next_active_start <> user_periods.following_start)
        and user_periods.following_start <= last_periods.last_start
),

counts as (
    select
        time_grain,
        period_start,
        status,
        count(*) as users
    from statuses
    group by time_grain, period_start, status
),

-- every status in every period, 0 where no user has it
grid as (
    select
        periods.time_grain,
        periods.period_start,
        all_statuses.status
    from (select distinct time_grain, period_start from statuses) as periods
    cross join (values ('new'), ('returning'), ('resurrecting'), ('dormant')) as all_statuses (status)
)

select
    -- period
    grid.time_grain,
    case grid.time_grain
        {%- for grain in grains %}
        when '{{ grain }}' then {{ period_label('grid.period_start', grain) }}
        {%- endfor %}
    end as period,

    -- status
    grid.status,

    -- users
    cast(coalesce(counts.users, 0) as integer) as users
from grid
left join counts
    on grid.time_grain = counts.time_grain
    and grid.period_start = counts.period_start
    and grid.status = counts.status
