{#- Sessions per model-hub-semantics section 2: a user's event starts a session when it is the user's first
    or comes strictly more than session_gap_seconds after the previous one, ordered by (moment, event_id).
    Date-range vars cut the data before sessionization; identity resolution (var) replaces cookies by
    identities before it, anonymization nulls never-identified users after it. -#}
with events as (
    select * from {{ ref('stg_objectiv__events') }}
),

events_in_range as (
    select
        event_id,
        user_id as cookie_id,
        {%- if var('identity_resolution') %}
        global_contexts,
        {%- endif %}
        day,
        moment
    from events
    where true
        {%- if var('start_date') %} and day >= cast('{{ var("start_date") }}' as date){% endif %}
        {%- if var('end_date') %} and day <= cast('{{ var("end_date") }}' as date){% endif %}
),

{% if var('identity_resolution') %}
event_identities as (
    -- the first IdentityContext with the chosen id on each event
    select
        event_id,
        {{ first_context_field(parse_contexts('global_contexts', ['value']), 'IdentityContext', 'value',
            context_id=var('identity_resolution')) }} || '|{{ var("identity_resolution") }}' as identity
    from events_in_range
),

cookie_identities as (
    -- the identity of a cookie's latest identified event applies to all of that cookie's events
    select
        events_in_range.cookie_id,
        event_identities.identity,
        row_number() over (
            partition by events_in_range.cookie_id
            order by events_in_range.moment desc, events_in_range.event_id desc
        ) as recency
    from events_in_range
    inner join event_identities
        on events_in_range.event_id = event_identities.event_id
    where event_identities.identity is not null
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
)

select
    -- ids
    event_id,
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
    moment
from sessionized
