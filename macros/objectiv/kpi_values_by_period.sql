{#- The body of a KPI mart after its import CTEs `metric_buckets` (metric_buckets_5min) and `kpi_definitions`
    (the seed): the metrics summed per epoch-aligned period (period_metrics), unpivoted (metric_values), one
    value per (period, KPI) (kpi_values): sum(numerator) * scale, or sum(numerator) * scale / sum(denominator),
    so a ratio KPI of a period is the ratio of the period's sums, never a mean of 5-minute ratios; then the
    final select (bucket_start, kpi_name, value). Periods without any metric bucket have no row; a zero
    denominator gives value NULL; a KPI naming a metric that is not a column of metric_buckets_5min has no rows. -#}
{% macro kpi_values_by_period(period_seconds) %}
    {%- set metrics = metric_bucket_columns() %}
period_metrics as (
    select
        {{ epoch_bucket_start('bucket_start', period_seconds) }} as bucket_start
        {%- for metric in metrics %},
        sum({{ metric }}) as {{ metric }}
        {%- endfor %}
    from metric_buckets
    group by {{ epoch_bucket_start('bucket_start', period_seconds) }}
),

metric_values as (
    -- one row per (period, metric), to join with the definitions by metric name
    {%- for metric in metrics %}
    select
        bucket_start,
        '{{ metric }}' as metric_name,
        cast({{ metric }} as double precision) as metric_value
    from period_metrics
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
),

kpi_values as (
    select
        numerator.bucket_start,
        kpi_definitions.name as kpi_name,
        case
            when kpi_definitions.denominator_metric is null
                then numerator.metric_value * kpi_definitions.scale
            else numerator.metric_value * kpi_definitions.scale / nullif(denominator.metric_value, 0)
        end as value
    from kpi_definitions
    inner join metric_values as numerator
        on kpi_definitions.numerator_metric = numerator.metric_name
    left join metric_values as denominator
        on kpi_definitions.denominator_metric = denominator.metric_name
        and numerator.bucket_start = denominator.bucket_start
    where kpi_definitions.denominator_metric is null
        or denominator.metric_name is not null
)

select
    -- period and KPI
    cast(bucket_start as timestamp) as bucket_start,
    cast(kpi_name as text) as kpi_name,

    -- value
    cast(value as double precision) as value
from kpi_values
{%- endmacro %}
