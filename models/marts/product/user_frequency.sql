{#- Number of users per number of sessions a user had (model hub aggregate.frequency). Anonymized users
    (user_id NULL) are not counted. -#}
with users as (
    select * from {{ ref('users') }}
)

select
    -- sessions
    sessions as sessions_per_user,

    -- counts
    cast(count(*) as integer) as users
from users
group by sessions
