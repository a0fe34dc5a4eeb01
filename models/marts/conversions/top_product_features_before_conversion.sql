{#- The model hub's top_product_features_before_conversion (model-hub-semantics 4), per conversion
    definition: top_product_features over the hits of converting sessions before the session's first
    conversion. Rule: rows with a NULL key are dropped. The location (feature_nice_name) is var
    top_features_before_conversion_location: an events column or expression, or a slice of the stack. -#}
{%- set feature_keys = ['application', 'feature_nice_name', 'event_type'] %}
{%- set located = location_source('converting_hits', var('top_features_before_conversion_location')) %}
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

converting_hits as (
    select
        pre_conversion_hits.conversion_name,
        events.*
    from pre_conversion_hits
    inner join events
        on pre_conversion_hits.event_id = events.event_id
    where {{ ancestry_contains(var('top_features_event_type'), 'events.stack_event_types') }}
),

feature_hits as (
    select
        conversion_name,
        user_id,
        application,
        {{ located.location }} as feature_nice_name,
        event_type
    from {{ located.relation }}
    -- the model hub's dropna(): an event without application or nice name counts nowhere
    where application is not null
        and {{ located.location }} is not null
        and event_type is not null
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
