{#- One row per session. Per conversion definition (var 'conversions') two columns:
    <name>_conversions and is_<name>_converted. -#}
{%- set conversions = conversion_definitions() %}
with flagged as (
    select * from {{ ref('int_events_flagged') }}
),

events as (
    select * from {{ ref('stg_objectiv__events') }}
),

conversion_events as (
    select * from {{ ref('int_conversion_events') }}
),

spans as (
    select
        session_id,
        max(user_id) as user_id,
        max(session_number) as session_number,
        min(moment) as started_at,
        max(moment) as ended_at,
        count(*) as hits,
        bool_or(is_first_session) as is_first_session
    from flagged
    group by session_id
),

first_hits as (
    select
        flagged.session_id,
        events.application,
        events.root_location,
        events.referrer,
        events.utm_source,
        events.utm_medium,
        events.utm_campaign,
        events.utm_content,
        events.utm_term
    from flagged
    inner join events
        on flagged.event_id = events.event_id
    where flagged.session_hit_number = 1
),

session_conversions as (
    select
        session_id
        {%- for name in conversions %},
        sum(case when conversion_name = '{{ name }}' then 1 else 0 end) as {{ name }}_conversions
        {%- endfor %}
    from conversion_events
    where is_conversion_event
    group by session_id
)

select
    -- ids
    spans.session_id,
    spans.user_id,

    -- session
    cast(spans.session_number as integer) as session_number,
    cast(spans.hits as integer) as hits,
    {{ seconds_between('spans.started_at', 'spans.ended_at') }} as duration_seconds,
    spans.started_at = spans.ended_at as is_bounce,
    spans.is_first_session,

    -- first hit
    first_hits.application,
    first_hits.root_location,
    first_hits.referrer,
    first_hits.utm_source,
    first_hits.utm_medium,
    first_hits.utm_campaign,
    first_hits.utm_content,
    first_hits.utm_term,

    -- conversions
    {%- for name in conversions %}
    cast(coalesce(session_conversions.{{ name }}_conversions, 0) as integer) as {{ name }}_conversions,
    coalesce(session_conversions.{{ name }}_conversions, 0) > 0 as is_{{ name }}_converted,
    {%- endfor %}

    -- time
    spans.started_at,
    spans.ended_at
from spans
inner join first_hits
    on spans.session_id = first_hits.session_id
left join session_conversions
    on spans.session_id = session_conversions.session_id
