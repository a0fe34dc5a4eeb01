{#- Source rows that base_objectiv__events has not staged: rows not reached yet by a bounded backfill
    (backfill_days_per_run: a warning, later runs stage them), or rows the late-row detection
    (late_rows_detection) missed. More of those than max_unstaged_rows fail the build (dbt build skips the
    models after staging, so the marts keep their last complete state); `dbt run --full-refresh` stages
    them. max_unstaged_rows null: only a warning. -#}
{%- set threshold = var('max_unstaged_rows') %}
{{ config(
    severity='warn' if threshold is none or var('backfill_days_per_run') else 'error',
    error_if='>' ~ (threshold if threshold is not none else 0),
    warn_if='>0',
) }}

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
