{#- Additive metrics per 5-minute bucket (model-hub-semantics 7): event metrics by the event's moment,
    session metrics by the session's start, new users by their first event, per conversion definition
    (var 'conversions') conversions and value by the conversion's moment and converted sessions by the
    session's start. Incremental: a run rewrites the buckets from the latest stored bucket minus
    metrics_lookback_minutes, moved back to the start bucket of any session still open at that point. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='bucket_start',
    on_schema_change='fail',
) }}
{%- set conversions = conversion_definitions() %}
{%- set bucket_seconds = 300 %}
with events as (
    select * from {{ ref('events') }}
),

sessions as (
    select * from {{ ref('sessions') }}
),

conversion_events as (
    select * from {{ ref('int_conversion_events') }}
),
{% if is_incremental() %}
high_water as (
    -- late events up to the lookback behind the newest stored bucket are still counted
    select
        coalesce(max(bucket_start), timestamp '1970-01-01 00:00:00')
            - interval '{{ var("metrics_lookback_minutes") }} minutes' as cutoff
    from {{ this }}
),

open_sessions as (
    -- a session with events at or after the cutoff may have changed (longer, merged with a late event):
    -- its start bucket holds its session metrics, so rewriting starts there
    select
        min(sessions.started_at) as first_started_at
    from sessions
    inner join high_water
        on sessions.ended_at >= high_water.cutoff
),

rewrite_window as (
    select
        {{ epoch_bucket_start(
            'least(high_water.cutoff, coalesce(open_sessions.first_started_at, high_water.cutoff))',
            bucket_seconds) }} as rewrite_from
    from high_water
    cross join open_sessions
),
{% endif %}
bucketed_events as (
    select
        {{ epoch_bucket_start('moment', bucket_seconds) }} as bucket_start,
        {{ ancestry_contains('InteractiveEvent') }} as is_interactive
    from events
),

bucketed_sessions as (
    select
        {{ epoch_bucket_start('started_at', bucket_seconds) }} as bucket_start,
        *
    from sessions
),

bucketed_conversions as (
    select
        {{ epoch_bucket_start('moment', bucket_seconds) }} as bucket_start,
        conversion_name,
        conversion_value
    from conversion_events
    where is_conversion_event
),

event_metrics as (
    select
        bucket_start,
        count(*) as events,
        sum(case when is_interactive then 1 else 0 end) as interactive_events
    from bucketed_events
    group by bucket_start
),

session_metrics as (
    select
        bucket_start,
        count(*) as sessions_started,
        sum(case when is_bounce then 1 else 0 end) as bounced_sessions,
        sum(duration_seconds) as session_seconds,
        -- a user's first session starts with the user's first event
        sum(case when session_number = 1 and user_id is not null then 1 else 0 end) as new_users
        {%- for name in conversions %},
        sum(case when is_{{ name }}_converted then 1 else 0 end) as {{ name }}_converted_sessions
        {%- endfor %}
    from bucketed_sessions
    group by bucket_start
),

conversion_metrics as (
    select
        bucket_start
        {%- for name, definition in conversions.items() %},
        sum(case when conversion_name = '{{ name }}' then 1 else 0 end) as {{ name }}_conversions
        {%- if definition.get('value') %},
        sum(case when conversion_name = '{{ name }}' then conversion_value end) as {{ name }}_conversion_value
        {%- endif %}
        {%- endfor %}
    from bucketed_conversions
    group by bucket_start
)

-- every bucket with a session start, a first event or a conversion also holds that event, so the
-- event buckets are all buckets; buckets without events are absent (all metrics 0)
select
    -- bucket
    event_metrics.bucket_start,

    -- events (by moment)
    cast(event_metrics.events as integer) as events,
    cast(event_metrics.interactive_events as integer) as interactive_events,

    -- sessions (by session start)
    cast(coalesce(session_metrics.sessions_started, 0) as integer) as sessions_started,
    cast(coalesce(session_metrics.bounced_sessions, 0) as integer) as bounced_sessions,
    cast(coalesce(session_metrics.session_seconds, 0) as double precision) as session_seconds,

    -- users (by first event)
    cast(coalesce(session_metrics.new_users, 0) as integer) as new_users
    {%- for name, definition in conversions.items() %},

    -- conversion {{ name }}: events and value by moment, converted sessions by session start
    cast(coalesce(conversion_metrics.{{ name }}_conversions, 0) as integer) as {{ name }}_conversions,
    cast(coalesce(session_metrics.{{ name }}_converted_sessions, 0) as integer) as {{ name }}_converted_sessions
    {%- if definition.get('value') %},
    cast(coalesce(conversion_metrics.{{ name }}_conversion_value, 0) as numeric(38, 6)) as {{ name }}_conversion_value
    {%- endif %}
    {%- endfor %}
from event_metrics
left join session_metrics
    on event_metrics.bucket_start = session_metrics.bucket_start
left join conversion_metrics
    on event_metrics.bucket_start = conversion_metrics.bucket_start
{%- if is_incremental() %}
where event_metrics.bucket_start >= (select rewrite_window.rewrite_from from rewrite_window)
{%- endif %}
