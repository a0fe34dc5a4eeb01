{#- Unique users per application and root location (model hub
    aggregate.unique_users(df, groupby=['application', 'root_location'])). NULL users are not counted;
    events without an application or root location form their own (NULL) group, as in SQL GROUP BY. -#}
with events as (
    select * from {{ ref('events') }}
)

select
    -- location
    application,
    root_location,

    -- counts
    cast(count(distinct user_id) as integer) as unique_users
from events
group by application, root_location
