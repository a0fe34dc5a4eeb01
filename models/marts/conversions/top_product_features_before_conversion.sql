{#- The model hub's top_product_features_before_conversion (model-hub-semantics 4), per conversion
    definition: top_product_features over the hits of converting sessions before the session's first
    conversion. Rule: rows with a NULL key are dropped. -#}
{%- set feature_keys = ['application', 'feature_nice_name', 'event_type'] %}
with conversion_events as (
    select * from {{ ref('int_conversion_events') }}
),

events as (
    select * from {{ ref('events') }}
),

pre_conversion_hits as (
    select
        event_id,
        conversion_name
    from conversion_events
    where {{ is_before_first_conversion('session') }}
),

feature_hits as (
    select
        pre_conversion_hits.conversion_name,
        events.user_id,
        events.application,
        events.feature_nice_name,
        events.event_type
    from pre_conversion_hits
    inner join events
        on pre_conversion_hits.event_id = events.event_id
    where {{ ancestry_contains(var('top_features_event_type'), 'events.stack_event_types') }}
        -- the model hub's dropna(): an event without application or nice name counts nowhere
        and events.application is not null
        and events.feature_nice_name is not null
        and events.event_type is not null
),

features as (
    {{ unique_users_by('feature_hits', ['conversion_name'] + feature_keys) }}
)

select
    -- conversion and feature
    conversion_name,
    application,
    feature_nice_name,
    event_type,

    -- users
    unique_users,
    {{ users_rank(feature_keys, partition_by=['conversion_name']) }} as rank
from features
