{#- The UTC days on which each (non-NULL) user had at least one event: the one scan of events that the
    lifecycle, stickiness and rolling active user marts share. -#}
with events as (
    select * from {{ ref('events') }}
)

select
    user_id,
    date_trunc('day', moment) as active_day,
    cast(count(*) as integer) as events
from events
where user_id is not null
group by user_id, date_trunc('day', moment)
