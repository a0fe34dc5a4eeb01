{#- Session duration per day and per month (model hub aggregate.session_duration, model-hub-semantics 4):
    the (period, session) spans of session_spans, so a session crossing midnight contributes a partial span
    to each day. Bounces (span exactly 0) are left out of mean_seconds, sum_seconds and sessions;
    mean_seconds_with_bounces counts them as 0.
    Incremental like unique_users: the months holding a day changed in int_session_days are computed again. -#}
with moments as (
    {{ session_day_moments() }}
),

spans as (
    {{ session_spans(by=[], grains=['day', 'month'], relation='moments') }}
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
    cast(count(case when span_seconds = 0 then 1 end) as integer) as bounces,
    {{ run_timestamp() }} as dbt_updated_at
from spans
group by time_grain, period
