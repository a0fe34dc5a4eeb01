{#- Unique sessions per day and per month of the event moment (model hub aggregate.unique_sessions): a
    session with events in two periods counts in both. -#}
with events as (
    select * from {{ ref('events') }}
)

{{ unique_sessions(by=[], grains=['day', 'month'], relation='events') }}
