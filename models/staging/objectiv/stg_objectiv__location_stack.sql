{{ config(materialized="view") }}

with events as (
    select event_id from {{ ref('stg_objectiv__events') }}
),

source as (
    select * from {{ source('objectiv', 'data') }}
)

{{ flatten_contexts(contexts_from_source('events', 'source', 'location_stack'), 'location_stack') }}
