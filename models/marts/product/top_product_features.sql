{#- The model hub's top_product_features (model-hub-semantics 4): unique users per application, feature and
    event type, over events whose ancestry contains var top_features_event_type (default InteractiveEvent).
    Rule: rows with a NULL key are dropped. -#}
{%- set feature_keys = ['application', 'feature_nice_name', 'event_type'] %}
with events as (
    select * from {{ ref('events') }}
),

feature_events as (
    select
        user_id,
        application,
        feature_nice_name,
        event_type
    from events
    where {{ ancestry_contains(var('top_features_event_type')) }}
        -- the model hub's dropna(): an event without application or nice name counts nowhere
        and application is not null
        and feature_nice_name is not null
        and event_type is not null
),

features as (
    {{ unique_users_by('feature_events', feature_keys) }}
)

select
    -- feature
    application,
    feature_nice_name,
    event_type,

    -- users
    unique_users,
    {{ users_rank(feature_keys) }} as rank
from features
