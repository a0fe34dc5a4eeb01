{#- A select statement scoring every entity of a feature table with stored logistic regression coefficients
    (model-hub-semantics 6), in plain SQL on any engine: probability = 1 / (1 + exp(-z)) with
    z = intercept + sum over the entity's rows of coefficient * value. The feature table is long (entity,
    feature, value); features without a coefficient are ignored and missing ones count as 0, so new data
    with new root locations still scores. z is clamped to [-700, 700] only so that exp cannot overflow
    (PostgreSQL raises an error where DuckDB returns infinity); the probability there is 0 or 1 in double
    precision anyway. Without any coefficient row (no model was fitted) no entity is scored. -#}
{% macro logistic_regression_score(features, coefficients, entity_column='user_id', feature_column='feature', value_column='feature_value') -%}
select
    features.{{ entity_column }},
    1 / (1 + exp(-greatest(least(
        intercept.coefficient
        + coalesce(sum(cast(features.{{ value_column }} as double precision) * terms.coefficient), 0),
        700), -700))) as probability
from {{ features }} as features
cross join (
    select coalesce(sum(intercept_rows.coefficient), 0) as coefficient
    from {{ coefficients }} as intercept_rows
    where intercept_rows.is_intercept
) as intercept
left join {{ coefficients }} as terms
    on features.{{ feature_column }} = terms.feature
    and not terms.is_intercept
where exists (select 1 from {{ coefficients }} as fitted)  -- no model (thin data): nobody is scored
group by features.{{ entity_column }}, intercept.coefficient
{%- endmacro %}
