{#- The training frame X of the logistic regression (model-hub-semantics 6), in long form: one row per training
    user and feature, where the features are the root locations and the value is the user's number of events
    of type logistic_regression_event_type (ancestry, default PressEvent) in that root location (0 included).
    Training users: users with at least one such event in a root location. With a root-location target
    (logistic_regression_target_root_location) that root location is the target, not a feature. -#}
{%- set target_root_location = none if var('logistic_regression_target_conversion') else var('logistic_regression_target_root_location') %}
with events as (
    select * from {{ ref('events') }}
),

feature_events as (
    select
        user_id,
        root_location as feature
    from events
    where {{ ancestry_contains(var('logistic_regression_event_type')) }}
        and user_id is not null
        and root_location is not null
),

training_users as (
    select distinct user_id
    from feature_events
),

features as (
    select distinct feature
    from feature_events
    {%- if target_root_location %}
    where feature <> '{{ target_root_location }}'
    {%- endif %}
),

counts as (
    select
        user_id,
        feature,
        count(*) as feature_value
    from feature_events
    group by user_id, feature
)

select
    -- ids
    training_users.user_id,
    features.feature,

    -- numerics
    cast(coalesce(counts.feature_value, 0) as integer) as feature_value
from training_users
cross join features
left join counts
    on training_users.user_id = counts.user_id
    and features.feature = counts.feature
