{#- Per location a funnel step (model hub aggregate.funnel_conversion, model-hub-semantics 4): each user's
    first touch of each location, in order; rates relative to the most-touched location. The location
    column and the funnel's events come from vars funnel_conversion_location and funnel_conversion_where;
    for other groupings call funnel_conversion_by from a model of your own. -#}
with events as (
    select * from {{ ref('events') }}
)

{{ funnel_conversion_by(
    'events',
    location=var('funnel_conversion_location'),
    where=var('funnel_conversion_where'),
) }}
