{#- Session duration per day and per month (model hub aggregate.session_duration, model-hub-semantics 4):
    per (period, session) the span max(moment) - min(moment) of the session's events in that period, so
    a session crossing midnight contributes a partial span to each day. Bounces (span exactly 0) are left
    out of mean_seconds, sum_seconds and sessions; mean_seconds_with_bounces counts them as 0. -#}
with events as (
    select * from {{ ref('events') }}
),

-- per day and session the first and last moment; month spans are rolled up from these (exact, and much
-- cheaper than bucketing every event per grain)
session_days as (
    select
        date_trunc('day', moment) as day_start,
        session_id,
        min(moment) as first_at,
        max(moment) as last_at
    from events
    group by date_trunc('day', moment), session_id
),

bucketed as (
    {{- time_grain_buckets('session_days', ['session_id', 'first_at', 'last_at'], 'day_start') }}
),

spans as (
    select
        time_grain,
        period,
        session_id,
        cast({{ seconds_between('min(first_at)', 'max(last_at)') }} as double precision) as span_seconds
    from bucketed
    group by time_grain, period, session_id
)

select
    -- period
    time_grain,
    period,

    -- durations
    cast(avg(case when span_seconds > 0 then span_seconds end) as double precision) as mean_seconds,
    cast(coalesce(sum(case when span_seconds > 0 then span_seconds end), 0) as double precision) as sum_seconds,
    cast(avg(span_seconds) as double precision) as mean_seconds_with_bounces,

    -- counts
    cast(count(case when span_seconds > 0 then 1 end) as integer) as sessions,
    cast(count(case when span_seconds = 0 then 1 end) as integer) as bounces
from spans
group by time_grain, period
