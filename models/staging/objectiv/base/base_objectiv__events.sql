{#- Parses every collector row's JSON exactly once, derives the per-event columns the analyses use, and
    gives each row it cannot interpret a quarantine_reason. stg_objectiv__events and
    stg_objectiv__quarantined_events split this table; nothing is dropped. The JSON itself is not copied:
    the views that flatten the contexts read it from the source table.
    Incremental: a run stages the source rows not staged yet whose moment is at most
    incremental_lookback_minutes behind the newest staged moment (or that have no moment), and those of the
    days where rows were loaded late (late_source_days: the load manifest's days, or the days whose row
    count differs); the var backfill_days_per_run bounds a run to that many days from the oldest such row. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    indexes=postgres_indexes(['event_id', 'user_id', 'moment', 'dbt_updated_at']),
) }}
{%- set lookback_minutes = var('incremental_lookback_minutes') %}
{%- set backfill_days = var('backfill_days_per_run') %}
{%- set late_days = [] %}
{%- if lookback_minutes is not none %}
    {#- future moments (client clocks) do not move the mark -#}
    {%- set window_start = high_water_mark('moment', where='moment <= ' ~ run_timestamp())
        ~ " - interval '" ~ lookback_minutes ~ " minutes'" %}
    {%- set late_days = late_source_days(lookback_minutes) %}
{%- endif %}
{%- set conversion_fields = conversion_context_fields() %}
{%- set global_fields = ['referrer', 'source', 'medium', 'campaign', 'content', 'term']
    + (['value'] if var('identity_resolution') else []) %}
{%- do global_fields.extend(conversion_fields.global_contexts | reject('in', global_fields) | list) %}
{#- the first problem found names the reason; NULL for a good row -#}
{%- set quarantine_reason -%}
    case
        when value is null then 'missing value'
        when {{ json_has_nul_escape('value', 'event') }}
            then 'value holds the escape \u0000 (a NUL character), which PostgreSQL text cannot hold'
        when event is null or not {{ event_is_object('event') }} then {{ json_problem('value') }}
        when event_type is null then 'missing _type'
        when not {{ event_field_is_string('event', '_type') }}
            then '_type is not a string: found ' || {{ json_type_words(json_value_type(event_json('event', '_type'))) }}
        when stack_event_types is null then 'missing or invalid _types (event type ancestry)'
        when location_stack is null then 'missing location_stack'
        when not {{ json_is_array('location_stack') }}
            then 'location_stack is not an array: found ' || {{ json_type_words(json_value_type('location_stack')) }}
        when {{ json_array_length('location_stack') }} = 0 then 'location_stack is empty'
        when global_contexts is null then 'missing global_contexts'
        when not {{ json_is_array('global_contexts') }}
            then 'global_contexts is not an array: found ' || {{ json_type_words(json_value_type('global_contexts')) }}
        when moment is null then 'missing moment'
        when day is null or day <> cast(moment as date) then 'day is not the UTC date of moment'
        when cookie_id is null then 'missing cookie_id'
    end
{%- endset %}

with source as (
    select * from {{ source('objectiv', 'data') }}
),

unstaged as (
    select * from source
    {%- if is_incremental() %}
    where not exists (select 1 from {{ this }} as staged where staged.event_id = source.event_id)
        {%- if lookback_minutes is not none %}
        and (moment is null or moment >= {{ window_start }})
        {%- endif %}
    {%- if late_days %}
    union all
    -- the days where rows were loaded late, as a condition of its own: DuckDB prunes a scan only by
    -- conditions on one column (an OR of moment and day read every row's JSON), PostgreSQL uses the day index
    select * from source
    where not exists (select 1 from {{ this }} as staged where staged.event_id = source.event_id)
        and day in {{ date_list(late_days) }}
        and moment < {{ window_start }}
    {%- endif %}
    {%- endif %}
),

batch as (
    select * from unstaged
    {%- if backfill_days %}
    where moment is null
        or moment < (select min(moment) from unstaged) + interval '{{ backfill_days }} days'
    {%- endif %}
),

parsed as {{ materialized_cte() }} (
    select
        event_id,
        day,
        moment,
        cookie_id,
        value,
        {{ parse_event_json('value') }} as event
    from batch
),

unpacked as (
    select
        *,
        {{ event_text('event', '_type') }} as event_type,
        {{ event_text_array('event', '_types') }} as stack_event_types,
        {{ event_json('event', 'location_stack') }} as location_stack,
        {{ event_json('event', 'global_contexts') }} as global_contexts
    from parsed
),

checked as (
    {{ select_computed_once('unpacked', quarantine_reason, 'quarantine_reason') }}
),

contexts as (
    select
        *,
        {{ parse_contexts('location_stack', conversion_fields.location_stack) }} as location_contexts,
        {{ parse_contexts('global_contexts', global_fields) }} as global_context_fields
    from checked
)

select
    -- ids
    event_id,
    cast(cookie_id as {{ dbt.type_string() }}) as user_id,

    -- event
    event_type,
    stack_event_types,

    -- derived from the contexts (model-hub-semantics 1.3)
    {{ first_context_field('global_context_fields', 'ApplicationContext', 'id') }} as application,
    {{ first_context_field('location_contexts', 'RootLocationContext', 'id') }} as root_location,
    {{ location_stack_nice_name('location_contexts') }} as feature_nice_name,
    {{ first_context_field('global_context_fields', 'HttpContext', 'referrer') }} as referrer,
    {{ first_context_field('global_context_fields', 'MarketingContext', 'source') }} as utm_source,
    {{ first_context_field('global_context_fields', 'MarketingContext', 'medium') }} as utm_medium,
    {{ first_context_field('global_context_fields', 'MarketingContext', 'campaign') }} as utm_campaign,
    {{ first_context_field('global_context_fields', 'MarketingContext', 'content') }} as utm_content,
    {{ first_context_field('global_context_fields', 'MarketingContext', 'term') }} as utm_term,
    {{ event_identity('global_context_fields') if var('identity_resolution') else 'cast(null as ' ~ dbt.type_string() ~ ')' }}
        as identity,

    -- conversion definitions (var 'conversions') the event matches, and their values
    {{- conversion_match_columns('quarantine_reason is null', 'location_contexts', 'global_context_fields') }}

    -- quarantine
    quarantine_reason,
    case when quarantine_reason is not null then cast(value as {{ dbt.type_string() }}) end as quarantined_value,

    -- time
    day,
    moment,
    {{ run_timestamp() }} as dbt_updated_at
from contexts
