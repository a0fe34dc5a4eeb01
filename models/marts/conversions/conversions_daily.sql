{#- The walk-through's conversions and conversion rate per day (model-hub-semantics 4): per conversion
    definition and day of moment, the users with a conversion event that day, the users active that day and
    their ratio (`conversions / daily_users`). A day without conversions has 0 converted users and rate 0. -#}
with events as (
    select * from {{ ref('events') }}
),

conversion_events as (
    select * from {{ ref('int_conversion_events') }}
),

conversion_names as (
    select distinct conversion_name
    from conversion_events
),

-- the walk-through's daily_users, over all events (counted once, not once per definition)
daily_users as (
    select
        cast(moment as date) as day,
        count(distinct user_id) as unique_users
    from events
    group by cast(moment as date)
),

daily_conversions as (
    select
        conversion_name,
        cast(moment as date) as day,
        count(distinct user_id) as converted_users
    from conversion_events
    where is_conversion_event
    group by conversion_name, cast(moment as date)
),

daily as (
    select
        conversion_names.conversion_name,
        daily_users.day,
        coalesce(daily_conversions.converted_users, 0) as converted_users,
        daily_users.unique_users
    from conversion_names
    cross join daily_users
    left join daily_conversions
        on conversion_names.conversion_name = daily_conversions.conversion_name
        and daily_users.day = daily_conversions.day
)

select
    -- conversion and day
    conversion_name,
    day,

    -- users
    cast(converted_users as integer) as converted_users,
    cast(unique_users as integer) as unique_users,
    -- NULL only on a day whose every user is anonymized (no users to divide by)
    cast(converted_users as double precision) / nullif(unique_users, 0) as conversion_rate
from daily
