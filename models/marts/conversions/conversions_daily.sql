{#- The walk-through's conversions and conversion rate per day (model-hub-semantics 4): per conversion
    definition and day of moment, the users with a conversion event that day, the users active that day and
    their ratio (`conversions / daily_users`). A day without conversions has 0 converted users and rate 0.
    Every definition has a row on every day with events (int_conversion_events holds each event once per
    definition, so the names in the data are the definitions' whenever there are events).
    Incremental: the days holding a changed session day (int_session_days) or a changed conversion event
    row are computed again (delete+insert by day). -#}
{{ config(
    materialized='incremental',
    unique_key='day',
    indexes=postgres_indexes(['day']),
) }}
with all_session_days as (
    select * from {{ ref('int_session_days') }}
),

all_conversion_events as (
    select * from {{ ref('int_conversion_events') }}
),

{% if is_incremental() %}
touched_days as (
    {{ changed_periods('all_session_days', 'active_day') }}
    union
    {{ changed_periods('all_conversion_events', "date_trunc('day', moment)") }}
),
{% endif %}

session_days as (
    select * from all_session_days
    {%- if is_incremental() %}
    where active_day in (select period_start from touched_days)
    {%- endif %}
),

conversion_events as (
    select * from all_conversion_events
    where is_conversion_event
        {%- if is_incremental() %}
        and date_trunc('day', moment) in (select period_start from touched_days)
        {%- endif %}
),

conversion_names as (
    {{ conversion_names() }}
),

-- the walk-through's daily_users, over all events (counted once, not once per definition)
daily_users as (
    select
        active_day as day,
        count(distinct user_id) as unique_users
    from session_days
    group by active_day
),

daily_conversions as (
    select
        conversion_name,
        date_trunc('day', moment) as day,
        count(distinct user_id) as converted_users
    from conversion_events
    group by conversion_name, date_trunc('day', moment)
),

daily as (
    select
        conversion_names.conversion_name,
        daily_users.day,
        coalesce(daily_conversions.converted_users, 0) as converted_users,
        daily_users.unique_users
    from conversion_names
    cross join daily_users
    left join daily_conversions
        on conversion_names.conversion_name = daily_conversions.conversion_name
        and daily_users.day = daily_conversions.day
)

select
    -- conversion and day
    conversion_name,
    cast(day as date) as day,

    -- users
    cast(converted_users as integer) as converted_users,
    cast(unique_users as integer) as unique_users,
    -- NULL only on a day whose every user is anonymized (no users to divide by)
    cast(converted_users as double precision) / nullif(unique_users, 0) as conversion_rate,
    {{ run_timestamp() }} as dbt_updated_at
from daily
