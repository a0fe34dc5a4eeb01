{#- Incremental: every user with a session computed again since the last run is computed again from all of
    its sessions; the post-hook deletes users that no longer have sessions (a cookie identified later). -#}
{{ config(
    materialized='incremental',
    unique_key='user_id',
    indexes=postgres_indexes(['user_id']),
    post_hook="{{ delete_rows_missing_from(ref('sessions'), 'user_id') }}",
) }}
with all_sessions as (
    select * from {{ ref('sessions') }}
),

sessions as (
    select * from all_sessions
    {%- if is_incremental() %}
    where user_id in (
        select user_id from {{ ref('sessions') }}
        where dbt_updated_at > {{ high_water_mark() }}
    )
    {%- endif %}
),

activity as (
    select
        user_id,
        min(started_at) as first_seen_at,
        max(ended_at) as last_seen_at,
        count(*) as sessions,
        sum(hits) as events
    from sessions
    where user_id is not null
    group by user_id
),

first_sessions as (
    select * from sessions
    where session_number = 1
        and user_id is not null
),

recomputed as (
    select
        -- ids
        activity.user_id,

        -- activity
        cast(activity.sessions as integer) as sessions,
        cast(activity.events as integer) as events,

        -- first event (the first hit of the first session)
        first_sessions.application as first_application,
        first_sessions.referrer as first_referrer,
        first_sessions.utm_source as first_utm_source,
        first_sessions.utm_medium as first_utm_medium,
        first_sessions.utm_campaign as first_utm_campaign,
        first_sessions.utm_content as first_utm_content,
        first_sessions.utm_term as first_utm_term,

        -- time
        activity.first_seen_at,
        activity.last_seen_at,
        {{ run_timestamp() }} as dbt_updated_at
    from activity
    inner join first_sessions
        on activity.user_id = first_sessions.user_id
)

{{ changed_rows_only('recomputed', 'user_id') }}
