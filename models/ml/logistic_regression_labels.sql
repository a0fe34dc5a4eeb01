{#- The target y of the logistic regression (model-hub-semantics 6), one row per training user (the users of
    logistic_regression_features): with var logistic_regression_target_conversion, whether the user converted
    under that conversion (any event, any type); otherwise whether the user had an event of type
    logistic_regression_event_type in the root location logistic_regression_target_root_location. -#}
{%- set target_conversion = var('logistic_regression_target_conversion') %}
-- both branches' inputs, so that dbt knows them whichever target the vars choose
-- depends_on: {{ ref('events') }}, {{ ref('int_conversion_events') }}
with features as (
    select * from {{ ref('logistic_regression_features') }}
),
{% if target_conversion %}
conversion_events as (
    select * from {{ ref('int_conversion_events') }}
),

targets as (
    select
        user_id,
        bool_or(is_conversion_event) as is_target
    from conversion_events
    where conversion_name = '{{ target_conversion }}'
    group by user_id
),
{% else %}
events as (
    select * from {{ ref('events') }}
),

targets as (
    select
        user_id,
        bool_or(root_location = '{{ var('logistic_regression_target_root_location') }}') as is_target
    from events
    where {{ ancestry_contains(var('logistic_regression_event_type')) }}
    group by user_id
),
{% endif %}
training_users as (
    select distinct user_id
    from features
)

select
    -- ids
    training_users.user_id,

    -- booleans
    coalesce(targets.is_target, false) as actual_label
from training_users
left join targets
    on training_users.user_id = targets.user_id
