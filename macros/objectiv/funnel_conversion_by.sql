{#- The model hub's aggregate.funnel_conversion(data, location_stack=location, groupby=groupby)
    (model-hub-semantics 4) as one select on a relation or CTE of events (user_id, moment and the location
    column). Within each group, only each user's first touch of each location counts (its first moment);
    a user completed a location's step when another first touch follows it in the user's order
    (first moment, then location; the model hub's navigation path of 2 steps), and a step to or from a NULL
    location is no step. Rates are relative to the largest n_users of the group (the funnel's start), not
    to all users. The funnel is every location in the relation: filter it to the funnel's steps first
    (`where`). NULL users are left out. `location`: an SQL expression on the relation or a slice of the
    location stack (location_stack_slice, a mapping {from_type, from_id}; the relation then needs event_id). -#}
{% macro funnel_conversion_by(relation, location='feature_nice_name', groupby=[], where=none) -%}
    {%- set keys = [groupby] if groupby is string else groupby -%}
    {%- set located = location_source(relation, location) -%}
    {%- set group_columns -%}{% for key in keys %}{{ key }}, {% endfor %}{%- endset -%}
    {%- set partition -%}{% if keys %}partition by {{ keys | join(', ') }}{% endif %}{%- endset -%}
    select
        {{ group_columns }}
        location,
        cast(n_users as integer) as n_users,
        cast(n_users_completed_step as integer) as n_users_completed_step,
        {{ round_decimals('cast(n_users_completed_step as double precision) / n_users', 3) }} as step_conversion_rate,
        {{ round_decimals('cast(n_users_completed_step as double precision) / n_users_start', 3) }} as full_conversion_rate,
        {{ round_decimals('cast(n_users - n_users_completed_step as double precision) / n_users_start', 3) }} as dropoff_share
    from (
        select
            {{ group_columns }}
            location,
            count(*) as n_users,
            count(case when went_on then 1 end) as n_users_completed_step,
            max(count(*)) over ({{ partition }}) as n_users_start
        from (
            select
                {{ group_columns }}
                location,
                location is not null and lead(location) over (
                    partition by {{ group_columns }} user_id
                    order by first_at, location nulls last
                ) is not null as went_on
            from (
                select
                    {{ group_columns }}
                    user_id,
                    {{ located.location }} as location,
                    min(moment) as first_at
                from {{ located.relation }}
                where user_id is not null
                    {%- if where %}
                    and ({{ where }})
                    {%- endif %}
                group by {{ group_columns }} user_id, {{ located.location }}
            ) as first_touches
        ) as steps
        group by {{ group_columns }} location
    ) as locations
{%- endmacro %}
