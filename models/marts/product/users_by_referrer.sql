{#- The walk-through's unique_users(df, groupby='referrer') (model-hub-semantics 4): unique users per
    referrer of the event (first HttpContext), over all events. Events without a referrer form one group,
    referrer NULL, as in a SQL group by. -#}
with events as (
    select * from {{ ref('events') }}
),

referrers as (
    {{ unique_users_by('events', ['referrer']) }}
)

select
    -- origin
    referrer,

    -- users
    unique_users
from referrers
