{#- The walk-through's unique_users(interactive_events, groupby=[utm_source, utm_term, feature_nice_name,
    event_type]) (model-hub-semantics 4): unique users per campaign source and term, feature and event type,
    over interactive events (ancestry contains InteractiveEvent). NULLs form groups of their own, as in a
    SQL group by. -#}
with events as (
    select * from {{ ref('events') }}
),

interactive_events as (
    select *
    from events
    where {{ ancestry_contains('InteractiveEvent') }}
),

campaign_features as (
    {{ unique_users_by('interactive_events', ['utm_source', 'utm_term', 'feature_nice_name', 'event_type']) }}
)

select
    -- campaign
    utm_source,
    utm_term,

    -- feature
    feature_nice_name,
    event_type,

    -- users
    unique_users
from campaign_features
