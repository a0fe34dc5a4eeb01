{#- Mean session duration per application, root location and month (model hub
    aggregate.session_duration(df, groupby=['root_location', time_agg 'YYYY-MM']), with application):
    per (group, session) the span of the session's events in the group, bounces (span 0) left out; groups
    holding only bounces have no row, as in the model hub. -#}
with events as (
    select * from {{ ref('events') }}
),

spans as (
    select
        application,
        root_location,
        {{ period_label('moment', 'month') }} as month,
        session_id,
        cast({{ seconds_between('min(moment)', 'max(moment)') }} as double precision) as span_seconds
    from events
    group by application, root_location, {{ period_label('moment', 'month') }}, session_id
)

select
    -- location and period
    application,
    root_location,
    month,

    -- durations
    cast(avg(span_seconds) as double precision) as mean_seconds
from spans
where span_seconds > 0
group by application, root_location, month
