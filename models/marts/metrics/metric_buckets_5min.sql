{#- Additive metrics per 5-minute bucket (model-hub-semantics 7): event metrics by the event's moment,
    session metrics by the session's start, new users by their first event, per conversion definition
    (var 'conversions') conversions and value by the conversion's moment and converted sessions by the
    session's start. Incremental: a run computes again every bucket holding a row of `events`, `sessions` or
    `int_conversion_events` that changed since the last run (those models keep the rows they computed again
    to the same values), from all the events, sessions and conversions in those buckets. A session merged
    away or moved keeps its old start bucket covered: its first event changed its session_id. -#}
{{ config(
    materialized='incremental',
    unique_key='bucket_start',
    indexes=postgres_indexes(['bucket_start']),
) }}
{%- set conversions = conversion_definitions() %}
{%- set bucket_seconds = 300 %}
with all_events as (
    select * from {{ ref('events') }}
),

all_sessions as (
    select * from {{ ref('sessions') }}
),

all_conversion_events as (
    select * from {{ ref('int_conversion_events') }}
),

{% if is_incremental() %}
{%- set since_last_run = high_water_mark() %}
touched_buckets as (
    {%- for relation, time_column in [('events', 'moment'), ('sessions', 'started_at'),
                                      ('int_conversion_events', 'moment')] %}
    select {{ epoch_bucket_start(time_column, bucket_seconds) }} as bucket_start
    from {{ ref(relation) }}
    where dbt_updated_at > {{ since_last_run }}
    {{ 'union' if not loop.last }}
    {%- endfor %}
),
{% endif %}

{%- for name, relation, time_column in [('events', 'all_events', 'moment'),
                                        ('sessions', 'all_sessions', 'started_at'),
                                        ('conversion_events', 'all_conversion_events', 'moment')] %}
{{ name }} as (
    select * from {{ relation }}
    {%- if is_incremental() %}
    where {{ epoch_bucket_start(time_column, bucket_seconds) }} in (select bucket_start from touched_buckets)
    {%- endif %}
),
{% endfor %}
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
    {%- endfor %},

    -- audit
    {{ run_timestamp() }} as dbt_updated_at
from event_metrics
left join session_metrics
    on event_metrics.bucket_start = session_metrics.bucket_start
left join conversion_metrics
    on event_metrics.bucket_start = conversion_metrics.bucket_start
