{#- Per event and named conversion (var 'conversions'), the model hub's conversion helpers
    (model-hub-semantics 3), for partition session and partition user. A definition with `after` converts only
    within its hours after an event of the other conversion by the same user (the staging flag is the event
    match alone). Helpers:
    conversions_in_time: conversions up to and including this event's moment (ordered by moment only, so
    every event at a conversion's moment already counts it); conversions_counter: conversions in the whole
    partition; pre_conversion_hit_number: in partitions that convert, the hits before the first conversion
    numbered backwards (1 = just before it), ordered by session start then hit number; NULL otherwise.
    Incremental: like int_events_flagged, every touched user is computed again from all of its events. -#}
{{ config(
    materialized='incremental',
    unique_key='event_id',
    indexes=postgres_indexes(['event_id', 'user_id', 'session_id', 'dbt_updated_at']),
) }}
{%- set conversions = conversion_definitions() %}
with all_sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

all_events as (
    select * from {{ ref('stg_objectiv__events') }}
),

{% if is_incremental() %}
{{ touched_users_since_last_run(ref('int_events_sessionized')) }},
{% endif %}

sessionized as (
    select * from all_sessionized
    {%- if is_incremental() %}
    where {{ in_keys('user_id', 'touched_users', 'user_id') }}
    {%- endif %}
),

events as (
    select
        event_id
        {%- for column in conversion_match_column_names() %},
        {{ column }}
        {%- endfor %}
    from all_events
    {%- if is_incremental() %}
    where event_id in (select event_id from sessionized)
    {%- endif %}
),

conversion_names as (
    {{ conversion_names() }}
),

conversion_events as (
    {%- for name, definition in conversions.items() %}
    select
        event_id,
        '{{ name }}' as conversion_name,
        {{ name ~ '_conversion_value' if definition.get('value') else 'cast(null as ' ~ dbt.type_numeric() ~ ')' }}
            as conversion_value
    from events
    where is_{{ name }}_conversion
    {%- if definition.get('after') %}
        -- only after an event of conversion {{ definition.after.conversion }} of the same user, at most
        -- {{ definition.after.within_hours }} hours before (resolved user: anonymized users count too)
        and event_id in (
            select converted.event_id
            from sessionized as converted
            inner join events as converted_flags
                on converted.event_id = converted_flags.event_id
                and converted_flags.is_{{ name }}_conversion
            inner join sessionized as earlier
                on earlier.resolved_user_id = converted.resolved_user_id
                and earlier.moment <= converted.moment
                and earlier.moment >= converted.moment - interval '{{ (definition.after.within_hours * 3600) | int }} seconds'
            inner join events as earlier_flags
                on earlier.event_id = earlier_flags.event_id
                and earlier_flags.is_{{ definition.after.conversion }}_conversion
        )
    {%- endif %}
    {{ 'union all' if not loop.last }}
    {%- else %}
    select
        cast(null as uuid) as event_id,
        cast(null as {{ dbt.type_string() }}) as conversion_name,
        cast(null as {{ dbt.type_numeric() }}) as conversion_value
    where false
    {%- endfor %}
),

conversions as (
    select
        conversion_events.conversion_name,
        sessionized.session_id,
        sessionized.user_id,
        sessionized.moment
    from conversion_events
    inner join sessionized
        on conversion_events.event_id = sessionized.event_id
),
{% for partition in ['session', 'user'] %}
-- per event: conversions in its {{ partition }} at or before its moment (a range join on the few
-- conversions is much cheaper than running windows over every event)
in_time_{{ partition }} as (
    select
        sessionized.event_id,
        conversions.conversion_name,
        count(*) as conversions_in_time
    from sessionized
    inner join conversions
        on sessionized.{{ partition }}_id = conversions.{{ partition }}_id
        and conversions.moment <= sessionized.moment
    group by sessionized.event_id, conversions.conversion_name
),

counter_{{ partition }} as (
    select
        conversion_name,
        {{ partition }}_id,
        count(*) as conversions_counter
    from conversions
    group by conversion_name, {{ partition }}_id
),
{% endfor %}
counted as (
    select
        sessionized.*,
        conversion_names.conversion_name,
        conversion_events.event_id is not null as is_conversion_event,
        conversion_events.conversion_value,
        {%- for partition in ['session', 'user'] %}
        coalesce(in_time_{{ partition }}.conversions_in_time, 0) as conversions_in_time_{{ partition }},
        coalesce(counter_{{ partition }}.conversions_counter, 0) as conversions_counter_{{ partition }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from sessionized
    cross join conversion_names
    left join conversion_events
        on sessionized.event_id = conversion_events.event_id
        and conversion_names.conversion_name = conversion_events.conversion_name
    {%- for partition in ['session', 'user'] %}
    left join in_time_{{ partition }}
        on sessionized.event_id = in_time_{{ partition }}.event_id
        and conversion_names.conversion_name = in_time_{{ partition }}.conversion_name
    left join counter_{{ partition }}
        on sessionized.{{ partition }}_id = counter_{{ partition }}.{{ partition }}_id
        and conversion_names.conversion_name = counter_{{ partition }}.conversion_name
    {%- endfor %}
),
{% for partition in ['session', 'user'] %}
pre_conversion_{{ partition }} as (
    select
        event_id,
        conversion_name,
        row_number() over (
            partition by conversion_name, {{ partition }}_id
            order by session_start_at desc, session_hit_number desc
        ) as pre_conversion_hit_number
    from counted
    where conversions_counter_{{ partition }} > 0
        and conversions_in_time_{{ partition }} = 0
),
{% endfor %}
final as (
    select
        counted.*,
        pre_conversion_session.pre_conversion_hit_number as pre_conversion_hit_number_session,
        pre_conversion_user.pre_conversion_hit_number as pre_conversion_hit_number_user
    from counted
    {%- for partition in ['session', 'user'] %}
    left join pre_conversion_{{ partition }}
        on counted.event_id = pre_conversion_{{ partition }}.event_id
        and counted.conversion_name = pre_conversion_{{ partition }}.conversion_name
    {%- endfor %}
),

recomputed as (
    select
        -- ids
        event_id,
        conversion_name,
        user_id,
        session_id,

        -- conversion
        is_conversion_event,
        conversion_value,
        {%- for partition in ['session', 'user'] %}
        conversions_in_time_{{ partition }},
        conversions_counter_{{ partition }},
        pre_conversion_hit_number_{{ partition }},
        {%- endfor %}

        -- position and time
        session_hit_number,
        session_start_at,
        moment,
        {{ run_timestamp() }} as dbt_updated_at
    from final
)

{{ changed_rows_only('recomputed', 'event_id') }}
