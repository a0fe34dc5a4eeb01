{#- Retention beyond the model hub's matrix (macro retention_by): returns "on" or "on or after" period k, with
    24-hour and calendar periods, from a start event to a return event (vars retention_start_where and
    retention_return_where, SQL conditions on events; null = every event). -#}
{%- set variants = [
    ('daily', '24h'), ('daily', 'calendar'), ('weekly', 'calendar'), ('weekly', '24h'), ('monthly', 'calendar'),
] %}
with events as (
    select * from {{ ref('events') }}
),

-- per user, day and kind of event only the first and last moment: all any variant needs (the first start,
-- and the period numbers of a day's returns), read from events once
flagged as (
    select
        user_id,
        moment,
        {{ var('retention_start_where') or 'true' }} as is_start,
        {{ var('retention_return_where') or 'true' }} as is_return
    from events
    where user_id is not null
),

day_bounds as {{ materialized_cte() }} (
    select
        user_id,
        is_start,
        is_return,
        min(moment) as first_at,
        max(moment) as last_at
    from flagged
    group by user_id, date_trunc('day', moment), is_start, is_return
),

moments as {{ materialized_cte() }} (
    select user_id, is_start, is_return, first_at as moment from day_bounds
    union all
    select user_id, is_start, is_return, last_at as moment from day_bounds
)

{% for time_period, boundaries in variants %}
{%- for returns in ['on', 'on_or_after'] %}
{{ retention_by('moments', time_period, returns, boundaries, start_where='is_start', return_where='is_return') }}
{{ 'union all' if not loop.last }}
{%- endfor %}
{{ 'union all' if not loop.last }}
{%- endfor %}
