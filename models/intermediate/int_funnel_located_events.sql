{#- The events funnel_paths reads when var funnel_location is not feature_nice_name (the model hub's
    get_navigation_paths(location_stack=...)): its columns, with the var's location (an events column or
    expression, or a slice of the stack, location_source) as `location`. Python models cannot call macros,
    hence this model. A view, read only then; always enabled, since dbt fails a Python model whose ref points
    at a disabled model, whether or not the code calls it. -#}
{{ config(materialized='view') }}
{%- set located = location_source('events', var('funnel_location')) %}
with events as (
    select * from {{ ref('events') }}
)

select
    -- ids
    event_id,
    session_id,
    user_id,
    -- strings
    {{ located.location }} as location,
    stack_event_types,
    -- timestamps
    moment,
    dbt_updated_at
from {{ located.relation }}
