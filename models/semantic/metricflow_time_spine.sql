{#- MetricFlow's day time spine: one row per UTC day from 2000-01-01 to 2049-12-31 (18,263 rows), generated,
    so it needs no package and no data. The same SQL runs on DuckDB and PostgreSQL. -#}
{{ config(materialized='table') }}
with days as (
    select day_start
    from generate_series(
        cast('2000-01-01' as timestamp),
        cast('2049-12-31' as timestamp),
        interval '1 day'
    ) as series (day_start)
)

select cast(day_start as date) as date_day
from days
