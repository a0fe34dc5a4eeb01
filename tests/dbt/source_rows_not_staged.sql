{#- Source rows that base_objectiv__events has not staged: rows that arrived later than
    incremental_lookback_minutes behind the newest staged moment, or not reached yet by a bounded backfill
    (backfill_days_per_run). A warning with their number: `dbt run --full-refresh` (or more runs of the
    backfill) stages them. -#}
{{ config(severity='warn') }}

-- CTEs, not `source(...) as source`: dbt build --empty wraps relations in an aliased subquery
with source as (
    select * from {{ source('objectiv', 'data') }}
),

staged as (
    select event_id from {{ ref('base_objectiv__events') }}
)

select source.event_id, source.moment
from source
where not exists (
    select 1 from staged
    where staged.event_id = source.event_id
)
