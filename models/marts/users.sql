with flagged as (
    select * from {{ ref('int_events_flagged') }}
),

events as (
    select * from {{ ref('stg_objectiv__events') }}
),

activity as (
    select
        user_id,
        min(moment) as first_seen_at,
        max(moment) as last_seen_at,
        count(distinct session_id) as sessions,
        count(*) as events
    from flagged
    where user_id is not null
    group by user_id
),

first_events as (
    select
        flagged.user_id,
        events.application,
        events.referrer,
        events.utm_source,
        events.utm_medium,
        events.utm_campaign,
        events.utm_content,
        events.utm_term
    from flagged
    inner join events
        on flagged.event_id = events.event_id
    where flagged.session_number = 1
        and flagged.session_hit_number = 1
        and flagged.user_id is not null
)

select
    -- ids
    activity.user_id,

    -- activity
    cast(activity.sessions as integer) as sessions,
    cast(activity.events as integer) as events,

    -- first event
    first_events.application as first_application,
    first_events.referrer as first_referrer,
    first_events.utm_source as first_utm_source,
    first_events.utm_medium as first_utm_medium,
    first_events.utm_campaign as first_utm_campaign,
    first_events.utm_content as first_utm_content,
    first_events.utm_term as first_utm_term,

    -- time
    activity.first_seen_at,
    activity.last_seen_at
from activity
inner join first_events
    on activity.user_id = first_events.user_id
