{#- Every training user scored in SQL by the logistic_regression_score macro with the coefficients the
    Python model logistic_regression_coefficients fitted: what a BI tool or a SQL model does for new users. -#}
with features as (
    select * from {{ ref('logistic_regression_features') }}
),

labels as (
    select * from {{ ref('logistic_regression_labels') }}
),

coefficients as (
    select * from {{ ref('logistic_regression_coefficients') }}
),

scored as (
    {{ logistic_regression_score('features', 'coefficients') }}
)

select
    -- ids
    scored.user_id,

    -- numerics
    cast(scored.probability as double precision) as probability,

    -- booleans
    scored.probability > 0.5 as predicted_label,
    labels.actual_label
from scored
inner join labels
    on scored.user_id = labels.user_id
