{#- Per location (feature_nice_name) a funnel step (model-hub-semantics 4, funnel_conversion): users who
    touched it, users who went on from it, and the step, full and drop-off rates, rounded to 3 decimals.
    Every user drops off exactly once, at the location of the last event (drop_off_locations), so a user
    who touched a location either went on from it or dropped off there. -#}
with events as (
    select * from {{ ref('events') }}
),

drop_off_locations as (
    select * from {{ ref('drop_off_locations') }}
),

user_locations as (
    select distinct
        user_id,
        feature_nice_name as location
    from events
    where user_id is not null
),

touched as (
    select
        location,
        count(*) as n_users
    from user_locations
    group by location
),

all_users as (
    select sum(users) as users
    from drop_off_locations
),

steps as (
    select
        touched.location,
        touched.n_users,
        -- went on: after their last event here they had an event at another location, i.e. their last
        -- event is elsewhere (the users who touched the location minus those who dropped off there)
        touched.n_users - coalesce(drop_off_locations.users, 0) as n_users_completed_step,
        coalesce(drop_off_locations.users, 0) as n_users_dropped_off
    from touched
    -- a NULL location (no nice name) is a location of its own here, as in drop_off_locations
    left join drop_off_locations
        on touched.location is not distinct from drop_off_locations.location
)

select
    -- location
    steps.location,

    -- users
    cast(steps.n_users as integer) as n_users,
    cast(steps.n_users_completed_step as integer) as n_users_completed_step,

    -- rates
    {{ round_decimals('cast(steps.n_users_completed_step as double precision) / steps.n_users', 3) }} as step_conversion_rate,
    {{ round_decimals('cast(steps.n_users as double precision) / all_users.users', 3) }} as full_conversion_rate,
    {{ round_decimals('cast(steps.n_users_dropped_off as double precision) / all_users.users', 3) }} as dropoff_share
from steps
cross join all_users
