{#- The model hub's drop_off_locations(data, location_stack=location, groupby=groupby) as a select: per location,
    the groups (default users; e.g. ['session_id'] or ['day', 'user_id']) whose last event, ordered by
    (moment, event_id), was there, and their share in percent. As the model hub, events without a location
    are left out first. `location`: an SQL expression on the events (feature_nice_name, root_location, ...) or a
    slice of the location stack (location_stack_slice, a mapping {from_type, from_id}). -#}
{% macro drop_off_locations_by(relation=none, location='feature_nice_name', groupby=['user_id'], where=none) -%}
    {%- set keys = [groupby] if groupby is string else groupby -%}
    {%- set located = location_source(relation or ref('events'), location) -%}
    select
        location,
        cast(count(*) as integer) as users,
        {{ round_decimals('100 * cast(count(*) as double precision) / sum(count(*)) over ()', 3) }} as percentage
    from (
        select
            {{ located.location }} as location,
            row_number() over (partition by {{ keys | join(', ') }} order by moment desc, event_id desc) as recency
        from {{ located.relation }}
        where {{ located.location }} is not null
            {%- for key in keys %} and {{ key }} is not null{% endfor %}
            {%- if where %} and ({{ where }}){% endif %}
    ) as last_events
    where recency = 1
    group by location
{%- endmacro %}


{#- The model hub's top_product_features(data, location_stack=location, event_type=event_type) as a select:
    unique users per (application, location, event_type) over events whose ancestry contains event_type, rows
    with a NULL key dropped. `location` as in drop_off_locations_by. -#}
{% macro top_product_features_by(relation=none, location='feature_nice_name', event_type='InteractiveEvent', where=none) -%}
    {%- set located = location_source(relation or ref('events'), location) -%}
    select
        application,
        {{ located.location }} as feature_nice_name,
        event_type,
        cast(count(distinct user_id) as integer) as unique_users
    from {{ located.relation }}
    where {{ ancestry_contains(event_type) }}
        and application is not null
        and {{ located.location }} is not null
        and event_type is not null
        {%- if where %} and ({{ where }}){% endif %}
    group by application, {{ located.location }}, event_type
{%- endmacro %}
