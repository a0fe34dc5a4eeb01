{#- Model hub "map" flags (model-hub-semantics 3): is_first_session on every hit of the user's earliest
    session; is_new_user on every hit of a user in each day (is_new_user_month: month) holding at least one
    hit of that first session. -#}
with sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

first_sessions as (
    select
        *,
        session_number = 1 as is_first_session
    from sessionized
)

select
    -- ids
    event_id,
    user_id,
    session_id,

    -- numbers
    session_number,
    session_hit_number,

    -- flags
    is_first_session,
    coalesce(bool_or(is_first_session) over (partition by user_id, day), false) as is_new_user,
    coalesce(bool_or(is_first_session) over (partition by user_id, date_trunc('month', moment)), false)
        as is_new_user_month,

    -- time
    session_start_at,
    day,
    moment
from first_sessions
