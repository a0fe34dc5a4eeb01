{{ config(materialized="view") }}

with events as (
    select event_id from {{ ref('stg_objectiv__events') }}
),

source as (
    select * from {{ source('objectiv', 'data') }}
)

{{ flatten_contexts(contexts_from_source('events', 'source', 'global_contexts'), 'global_contexts') }}
