{#- Retention matrix in long format, for the four time periods (model hub retention_matrix,
    model-hub-semantics 4). Cohort = period of the user's first event; period_number k = periods from the
    first event (retention_period_number); users = distinct users of the cohort active in period k;
    percentage = 100 * users / cohort size (users at k = 0). Vars: retention_event_type (only events of
    exactly this _type, before anything else), retention_start_date (cohorts whose first event is on or
    after it), retention_end_date (events before it, exclusive on the moment). -#}
{%- set time_periods = ['daily', 'weekly', 'monthly', 'yearly'] %}
with events as (
    select * from {{ ref('events') }}
),

filtered as (
    select
        user_id,
        moment
    from events
    where user_id is not null
        {%- if var('retention_event_type') %}
        and event_type = '{{ var("retention_event_type") }}'
        {%- endif %}
        {%- if var('retention_end_date') %}
        -- a user's first event is before the end date or the user has no event left: cutting here leaves
        -- every first event as it is
        and moment < cast('{{ var("retention_end_date") }}' as timestamp)
        {%- endif %}
),

-- one row per user and calendar day with its first and last moment: the day fixes the week, month and
-- year; the daily k, monotone in the moment, takes on that day only the values at its first and last
-- moment (a calendar day overlaps at most two 24-hour periods), so 1M events shrink to user days
user_days as (
    select
        user_id,
        date_trunc('day', moment) as active_on,
        min(moment) as day_first_at,
        max(moment) as day_last_at
    from filtered
    group by user_id, date_trunc('day', moment)
),

first_events as (
    select
        user_id,
        min(day_first_at) as first_at
    from user_days
    group by user_id
),

cohort_activity as (
    select
        user_days.user_id,
        first_events.first_at,
        user_days.active_on,
        {{ retention_period_number('first_events.first_at', 'user_days.day_first_at', 'daily') }} as first_elapsed_days,
        {{ retention_period_number('first_events.first_at', 'user_days.day_last_at', 'daily') }} as last_elapsed_days
    from user_days
    inner join first_events
        on user_days.user_id = first_events.user_id
    {%- if var('retention_start_date') %}
    -- on the first event: a user first seen before the start date is left out, not given a later cohort
    where first_events.first_at >= cast('{{ var("retention_start_date") }}' as timestamp)
    {%- endif %}
),

periods as (
    {%- for time_period in time_periods %}
    {%- set cohort = period_label('first_at', retention_grain(time_period)) %}
    {%- if time_period == 'daily' %}
    select 'daily' as time_period, {{ cohort }} as cohort, first_elapsed_days as period_number, user_id
    from cohort_activity
    union all
    select 'daily' as time_period, {{ cohort }} as cohort, last_elapsed_days as period_number, user_id
    from cohort_activity
    {%- else %}
    select
        '{{ time_period }}' as time_period,
        {{ cohort }} as cohort,
        {{ retention_period_number('first_at', 'active_on', time_period) }} as period_number,
        user_id
    from cohort_activity
    {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

cells as (
    select
        time_period,
        cohort,
        period_number,
        count(distinct user_id) as users
    from periods
    group by time_period, cohort, period_number
),

cohort_sizes as (
    select
        *,
        sum(case when period_number = 0 then users end) over (partition by time_period, cohort) as cohort_users
    from cells
)

select
    -- cell
    time_period,
    cohort,
    period_number,

    -- counts
    cast(users as integer) as users,
    cast(cohort_users as integer) as cohort_users,
    cast(users as double precision) * 100 / cohort_users as percentage
from cohort_sizes
