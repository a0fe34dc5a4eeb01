{{ config(materialized="view") }}

with events as (
    select * from {{ ref('stg_objectiv__events') }}
)

{{ flatten_contexts('events', 'global_contexts') }}
