{#- Every KPI of the seed kpi_definitions per UTC hour, from the metrics summed over the hour (ratio
    KPIs as the ratio of the hour's sums): see kpi_values_by_period. -#}
with metric_buckets as (
    select * from {{ ref('metric_buckets_5min') }}
),

kpi_definitions as (
    select * from {{ ref('kpi_definitions') }}
),

{{ kpi_values_by_period(3600) }}
