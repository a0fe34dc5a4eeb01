{#- The step funnel of var step_funnel (macro step_funnel_by): per breakdown value and step, the users or
    sessions that reached it within the conversion window, conversion, drop-off and time to convert. -#}
{%- set funnel = var('step_funnel') %}
{%- set conversions = funnel.steps | selectattr('conversion', 'defined') | map(attribute='conversion') | unique | list %}
with events as (
    select * from {{ ref('events') }}
),
{%- if conversions %}

-- the conversion matches of the steps' conversions, made once at staging
conversion_matches as (
    select * from {{ ref('stg_objectiv__events') }}
),
{%- endif %}

funnel_events as (
    select
        events.*
        {%- for name in conversions %},
        conversion_matches.is_{{ name }}_conversion
        {%- endfor %}
    from events
    {%- if conversions %}
    inner join conversion_matches
        on events.event_id = conversion_matches.event_id
    {%- endif %}
)

{{ step_funnel_by(
    'funnel_events',
    funnel.steps,
    window_seconds=3600 * funnel.get('window_hours', 24),
    order=funnel.get('order', 'ordered'),
    by=funnel.get('by', 'user'),
    breakdown=funnel.get('breakdown'),
) }}
