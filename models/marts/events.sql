{#- Incremental: the events flagged again since the last run replace their rows. -#}
{{ config(
    materialized='incremental',
    unique_key='event_id',
    indexes=postgres_indexes(['event_id', 'dbt_updated_at']),
) }}
with events as (
    select * from {{ ref('stg_objectiv__events') }}
),

flagged as (
    select * from {{ ref('int_events_flagged') }}
    {%- if is_incremental() %}
    where dbt_updated_at > {{ high_water_mark() }}
    {%- endif %}
)

select
    -- ids
    events.event_id,
    flagged.user_id,
    flagged.session_id,

    -- event
    events.event_type,
    events.stack_event_types,
    events.application,
    events.root_location,
    events.feature_nice_name,
    events.referrer,
    events.utm_source,
    events.utm_medium,
    events.utm_campaign,
    events.utm_content,
    events.utm_term,

    -- session position and flags
    flagged.session_hit_number,
    flagged.is_first_session,
    flagged.is_new_user,
    flagged.is_new_user_month,

    -- time
    flagged.session_start_at,
    events.day,
    events.moment,
    {{ run_timestamp() }} as dbt_updated_at
from flagged
inner join events
    on flagged.event_id = events.event_id
