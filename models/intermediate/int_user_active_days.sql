{#- The UTC days on which each (non-NULL) user had at least one event: the one scan of events that the
    lifecycle, stickiness and rolling active user marts share.
    Incremental: the days holding an event of `events` changed since the last run are computed again from all
    of their events (delete+insert by day). An event changes user only to a non-NULL user (a cookie once
    identified stays so), so a day that loses a user's row always has a row in the batch, and is replaced. -#}
{{ config(
    materialized='incremental',
    unique_key='active_day',
    indexes=postgres_indexes(['active_day', 'dbt_updated_at']),
) }}
with events as (
    select * from {{ ref('events') }}
)

{%- if is_incremental() %},

touched_days as (
    select distinct day
    from events
    where dbt_updated_at > {{ high_water_mark() }}
)
{%- endif %}

select
    user_id,
    date_trunc('day', moment) as active_day,
    cast(count(*) as integer) as events,
    {{ run_timestamp() }} as dbt_updated_at
from events
where user_id is not null
    {%- if is_incremental() %}
    and day in (select day from touched_days)
    {%- endif %}
group by user_id, date_trunc('day', moment)
