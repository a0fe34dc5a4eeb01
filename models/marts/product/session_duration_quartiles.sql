{#- Quartiles of the duration of whole sessions, bounces included as 0 (model hub
    session_duration(df, groupby='session_id', exclude_bounces=False).quantile([0.25, 0.5, 0.75])),
    interpolated like PostgreSQL's percentile_cont. -#}
{%- set quantiles = [0.25, 0.5, 0.75] %}
with sessions as (
    select * from {{ ref('sessions') }}
),

quartiles as (
    select
        {%- for quantile in quantiles %}
        {{ percentile_cont('cast(duration_seconds as double precision)', quantile) }} as q{{ loop.index }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from sessions
)
{% for quantile in quantiles %}
select
    cast({{ quantile }} as double precision) as quantile,
    cast(q{{ loop.index }} as double precision) as duration_seconds
from quartiles
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
