{#- Per session and UTC day its first and last moment: the one scan of events that the per-period marts
    (unique_users, unique_sessions, session_duration, conversions_daily) share. Anonymized sessions (user_id
    NULL) are kept: unique_sessions and session_duration count them, and a day of only anonymized events
    still has its rows (unique_users 0).
    Incremental like int_user_active_days: the days holding an event of `events` changed since the last run
    are computed again from all of their events (delete+insert by day). Events are never deleted and keep
    their moment, so a touched day always gets rows again; a session merged away by a late event has its
    events changed, so each of its days is replaced. -#}
{{ config(
    materialized='incremental',
    unique_key='active_day',
    indexes=postgres_indexes(['active_day', 'dbt_updated_at']),
) }}
with events as (
    {{ rows_of_changed_periods(ref('events'), 'day', grain='day') }}
)

select
    -- ids
    session_id,
    user_id,

    -- time
    date_trunc('day', moment) as active_day,
    min(moment) as first_at,
    max(moment) as last_at,
    {{ run_timestamp() }} as dbt_updated_at
from events
group by session_id, user_id, date_trunc('day', moment)
