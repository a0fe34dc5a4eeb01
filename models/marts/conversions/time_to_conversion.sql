{#- The walk-through's time spent before converting, session_duration(converted_users, groupby=None)
    (model-hub-semantics 4), per conversion definition: the hits of converting sessions before the first
    conversion; per session the span max(moment) - min(moment) of those hits; bounces (span 0) dropped;
    the mean over the sessions left. -#}
with conversion_events as (
    select * from {{ ref('int_conversion_events') }}
),

conversion_names as (
    select distinct conversion_name
    from conversion_events
),

pre_conversion_spans as (
    select
        conversion_name,
        session_id,
        {{ seconds_between('min(moment)', 'max(moment)') }} as seconds
    from conversion_events
    where {{ is_before_first_conversion('session') }}
    group by conversion_name, session_id
),

non_bounces as (
    select *
    from pre_conversion_spans
    where seconds > 0
),

means as (
    select
        conversion_names.conversion_name,
        avg(non_bounces.seconds) as mean_seconds,
        count(non_bounces.session_id) as sessions
    from conversion_names
    left join non_bounces
        on conversion_names.conversion_name = non_bounces.conversion_name
    group by conversion_names.conversion_name
)

select
    -- conversion
    conversion_name,

    -- time before converting
    cast(mean_seconds as double precision) as mean_seconds,
    cast(sessions as integer) as sessions
from means
