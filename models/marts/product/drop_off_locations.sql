{#- Where users leave (model-hub-semantics 4, drop_off_locations): per location (the feature_nice_name of
    the event), the users whose last event, ordered by (moment, event_id), was there, and their share of all
    users in percent. -#}
with events as (
    select * from {{ ref('events') }}
),

last_moments as (
    select
        user_id,
        max(moment) as last_moment
    from events
    where user_id is not null
    group by user_id
),

-- only the events at a user's last moment need ordering by event_id (a window over every event would
-- sort the whole table)
last_moment_events as (
    select
        events.user_id,
        events.feature_nice_name as location,
        row_number() over (partition by events.user_id order by events.event_id desc) as recency
    from events
    inner join last_moments
        on events.user_id = last_moments.user_id
        and events.moment = last_moments.last_moment
),

locations as (
    select
        location,
        count(*) as users
    from last_moment_events
    where recency = 1
    group by location
)

select
    -- location
    location,

    -- users who left there
    cast(users as integer) as users,
    {{ round_decimals('100 * cast(users as double precision) / sum(users) over ()', 3) }} as percentage
from locations
