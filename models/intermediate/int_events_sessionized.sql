{#- Sessions per model-hub-semantics section 2: a user's event starts a session when it is the user's first
    or comes strictly more than session_gap_seconds after the previous one, ordered by (moment, event_id).
    Date-range vars cut the data before sessionization; identity resolution (var) replaces cookies by
    identities before it, anonymization nulls never-identified users after it.
    Incremental: every user touched by newly staged events is sessionized again from all of its events (with
    identity resolution: every user a touched cookie belonged to or may now belong to, and all their
    cookies); delete+insert by event_id replaces the earlier rows of those events. -#}
{{ config(
    materialized='incremental',
    unique_key='event_id',
    indexes=postgres_indexes(['event_id', 'user_id', 'cookie_id', 'resolved_user_id', 'dbt_updated_at']),
) }}
with events as (
    select * from {{ ref('stg_objectiv__events') }}
),

in_range as (
    select
        event_id,
        user_id as cookie_id,
        {%- if var('identity_resolution') %}
        identity,
        {%- endif %}
        day,
        moment
    from events
    where {{ in_date_range('day') }}
),

{% if is_incremental() %}
new_cookies as (
    select distinct user_id as cookie_id
    from {{ ref('stg_objectiv__events') }}
    where dbt_updated_at > {{ high_water_mark() }}
        and {{ in_date_range('day') }}
),

{%- if var('identity_resolution') %}
touched_users as (
    -- the users the new cookies belonged to, and may belong to now (themselves or an identity on their events)
    select sessionized.resolved_user_id as user_id
    from {{ this }} as sessionized
    inner join new_cookies
        on sessionized.cookie_id = new_cookies.cookie_id
    union
    select cookie_id from new_cookies
    union
    select events.identity
    from {{ ref('stg_objectiv__events') }} as events
    inner join new_cookies
        on events.user_id = new_cookies.cookie_id
),
{%- endif %}

recomputed_cookies as (
    select cookie_id from new_cookies
    {%- if var('identity_resolution') %}
    union
    select sessionized.cookie_id
    from {{ this }} as sessionized
    inner join touched_users
        on sessionized.resolved_user_id = touched_users.user_id
    {%- endif %}
),
{% endif %}

events_in_range as (
    select * from in_range
    {%- if is_incremental() %}
    where cookie_id in (select cookie_id from recomputed_cookies)
    {%- endif %}
),

{% if var('identity_resolution') %}
cookie_identities as (
    -- the identity of a cookie's latest identified event applies to all of that cookie's events
    select
        cookie_id,
        identity,
        row_number() over (partition by cookie_id order by moment desc, event_id desc) as recency
    from events_in_range
    where identity is not null
),

resolved as (
    select
        events_in_range.event_id,
        events_in_range.cookie_id,
        events_in_range.day,
        events_in_range.moment,
        coalesce(cookie_identities.identity, events_in_range.cookie_id) as session_user_id,
        cookie_identities.identity is not null as is_identified
    from events_in_range
    left join cookie_identities
        on events_in_range.cookie_id = cookie_identities.cookie_id
        and cookie_identities.recency = 1
),
{% else %}
resolved as (
    select
        event_id,
        cookie_id,
        day,
        moment,
        cookie_id as session_user_id,
        true as is_identified
    from events_in_range
),
{% endif %}

gaps as (
    select
        *,
        lag(moment) over (partition by session_user_id order by moment, event_id) as previous_moment
    from resolved
),

session_starts as (
    select
        *,
        case
            when previous_moment is null then 1
            when moment > previous_moment + interval '{{ var("session_gap_seconds") }} seconds' then 1
            else 0
        end as is_session_start
    from gaps
),

numbered as (
    select
        *,
        sum(is_session_start) over (
            partition by session_user_id
            order by moment, event_id
            rows between unbounded preceding and current row
        ) as session_number
    from session_starts
),

sessionized as (
    select
        *,
        first_value(event_id) over (
            partition by session_user_id, session_number
            order by moment, event_id
            rows between unbounded preceding and current row
        ) as first_event_id,
        row_number() over (partition by session_user_id, session_number order by moment, event_id)
            as session_hit_number,
        min(moment) over (partition by session_user_id, session_number) as session_start_at
    from numbered
),

recomputed as (
    select
        -- ids
        event_id,
        cookie_id,
        session_user_id as resolved_user_id,
        case
            when {{ 'true' if var('identity_resolution') and var('anonymize_unidentified') else 'false' }}
                and not is_identified then null
            else session_user_id
        end as user_id,
        cast(first_event_id as {{ dbt.type_string() }}) as session_id,

        -- numbers
        cast(session_number as integer) as session_number,
        cast(session_hit_number as integer) as session_hit_number,

        -- time
        session_start_at,
        day,
        moment,
        {{ run_timestamp() }} as dbt_updated_at
    from sessionized
)

{{ changed_rows_only('recomputed', 'event_id') }}
