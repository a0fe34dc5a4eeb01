{#- MetricFlow's minute time spine, at the grain of the metric buckets' time dimension: one row per UTC minute
    from the first to the last 5-minute bucket of metric_buckets_5min. A view, so a scheduled run builds
    nothing; no rows while there is no data. The same SQL runs on DuckDB and PostgreSQL. -#}
{{ config(materialized='view') }}
with metric_buckets as (
    select * from {{ ref('metric_buckets_5min') }}
),

data_range as (
    select
        min(bucket_start) as first_minute,
        max(bucket_start) + interval '4 minute' as last_minute
    from metric_buckets
),

minutes as (
    select series.minute_start
    from data_range
    cross join generate_series(data_range.first_minute, data_range.last_minute, interval '1 minute')
        as series (minute_start)
)

select cast(minute_start as timestamp) as minute_start
from minutes
