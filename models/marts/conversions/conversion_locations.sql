{#- The walk-through's conversion_locations (model-hub-semantics 4): per conversion definition, unique
    users of its conversion events by where they converted (application, feature, event type). NULLs form
    groups of their own, as in a SQL group by. -#}
with conversion_events as (
    select * from {{ ref('int_conversion_events') }}
),

events as (
    select * from {{ ref('events') }}
),

conversion_hits as (
    select
        conversion_events.conversion_name,
        events.user_id,
        events.application,
        events.feature_nice_name,
        events.event_type
    from conversion_events
    inner join events
        on conversion_events.event_id = events.event_id
    where conversion_events.is_conversion_event
),

locations as (
    {{ unique_users_by('conversion_hits', ['conversion_name', 'application', 'feature_nice_name', 'event_type']) }}
)

select
    -- conversion and location
    conversion_name,
    application,
    feature_nice_name,
    event_type,

    -- users
    unique_users
from locations
