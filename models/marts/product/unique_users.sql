{#- Unique users per day and per month of the event moment (model hub aggregate.unique_users with its
    time_agg 'YYYY-MM-DD' or 'YYYY-MM'). NULL users (anonymized) are not counted. -#}
with events as (
    select * from {{ ref('events') }}
)

{{ unique_users(by=[], grains=['day', 'month'], relation='events') }}
