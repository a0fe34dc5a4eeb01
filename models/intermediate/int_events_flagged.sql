{#- Model hub "map" flags (model-hub-semantics 3): is_first_session on every hit of the user's earliest
    session; is_new_user on every hit of a user in each day (is_new_user_month: month) holding at least one
    hit of that first session.
    Incremental: every user (NULL, the anonymized users, included) with an event sessionized again since
    the last run, or owning such an event before, is flagged again from all of its events. -#}
{{ config(
    materialized='incremental',
    unique_key='event_id',
    indexes=postgres_indexes(['event_id', 'user_id', 'session_id', 'dbt_updated_at']),
) }}
with sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

{% if is_incremental() %}
{{ touched_users_since_last_run(ref('int_events_sessionized')) }},
{% endif %}

first_sessions as (
    select
        *,
        session_number = 1 as is_first_session
    from sessionized
    {%- if is_incremental() %}
    where {{ in_keys('user_id', 'touched_users', 'user_id') }}
    {%- endif %}
),

recomputed as (
    select
        -- ids
        event_id,
        user_id,
        session_id,

        -- numbers
        session_number,
        session_hit_number,

        -- flags
        is_first_session,
        coalesce(bool_or(is_first_session) over (partition by user_id, day), false) as is_new_user,
        coalesce(bool_or(is_first_session) over (partition by user_id, date_trunc('month', moment)), false)
            as is_new_user_month,

        -- time
        session_start_at,
        day,
        moment,
        {{ run_timestamp() }} as dbt_updated_at
    from first_sessions
)

{{ changed_rows_only('recomputed', 'event_id') }}
