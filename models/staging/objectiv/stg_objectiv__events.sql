{{ config(materialized="view") }}

with events as (
    select * from {{ ref('base_objectiv__events') }}
)

select
    event_id,
    user_id,
    event_type,
    stack_event_types,
    application,
    root_location,
    feature_nice_name,
    referrer,
    utm_source,
    utm_medium,
    utm_campaign,
    utm_content,
    utm_term,
    identity,
    {%- for column in conversion_match_column_names() %}
    {{ column }},
    {%- endfor %}
    day,
    moment,
    dbt_updated_at
from events
where quarantine_reason is null
