{#- One row per session. Per conversion definition (var 'conversions') two columns:
    <name>_conversions and is_<name>_converted.
    Incremental: every session holding an event flagged or converted again since the last run is computed
    again from all of its events; the post-hook deletes sessions that no longer exist (merged into another
    by a late event, or moved to another user). -#}
{{ config(
    materialized='incremental',
    unique_key='session_id',
    indexes=postgres_indexes(['session_id', 'user_id', 'dbt_updated_at']),
    post_hook="{{ delete_rows_missing_from(ref('int_events_flagged'), 'session_id') }}",
) }}
{%- set conversions = conversion_definitions() %}
{%- set since_last_run = high_water_mark() %}
with all_flagged as (
    select * from {{ ref('int_events_flagged') }}
),

events as (
    select * from {{ ref('stg_objectiv__events') }}
),

all_conversion_events as (
    select * from {{ ref('int_conversion_events') }}
),

{% if is_incremental() %}
touched_sessions as (
    select session_id from {{ ref('int_events_flagged') }}
    where dbt_updated_at > {{ since_last_run }}
    union
    select session_id from {{ ref('int_conversion_events') }}
    where dbt_updated_at > {{ since_last_run }}
),
{% endif %}

flagged as (
    select * from all_flagged
    {%- if is_incremental() %}
    where session_id in (select session_id from touched_sessions)
    {%- endif %}
),

conversion_events as (
    select * from all_conversion_events
    {%- if is_incremental() %}
    where session_id in (select session_id from touched_sessions)
    {%- endif %}
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
),

recomputed as (
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
        spans.ended_at,
        {{ run_timestamp() }} as dbt_updated_at
    from spans
    inner join first_hits
        on spans.session_id = first_hits.session_id
    left join session_conversions
        on spans.session_id = session_conversions.session_id
)

{{ changed_rows_only('recomputed', 'session_id') }}
