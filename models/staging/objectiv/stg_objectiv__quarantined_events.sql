{{ config(materialized="view") }}

with events as (
    select * from {{ ref('base_objectiv__events') }}
)

select
    event_id,
    user_id as cookie_id,
    quarantine_reason,
    quarantined_value as value,
    day,
    moment
from events
where quarantine_reason is not null
