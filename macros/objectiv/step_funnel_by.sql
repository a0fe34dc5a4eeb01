{#- A step funnel (Mixpanel's and PostHog's funnels) as one select on a relation of events: per breakdown
    value and step, the users (or sessions) that reached it from their entry into the funnel within the
    conversion window, the conversion and drop-off, and percentiles of the time to convert. Entry: each
    entity's first event of step 1 (order ordered, strict) or of any step (unordered), as Mixpanel counts
    uniques; the breakdown is the column's value on the entry event. See the step_funnel mart's YAML for
    the order modes. -#}
{% macro step_funnel_by(relation, steps, window_seconds=86400, order='ordered', by='user', breakdown=none) -%}
    {%- do step_funnel_check(steps, window_seconds, order, by) -%}
    {%- set entity = 'user_id' if by == 'user' else 'session_id' -%}
    select * from (
    with funnel_events as (
        select
            {{ entity }} as entity_id,
            moment,
            {{ breakdown if breakdown else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as breakdown,
            {%- for step in steps %}
            {{ step_funnel_condition(step) }} as is_step_{{ loop.index }},
            {%- endfor %}
            row_number() over (partition by {{ entity }} order by moment, event_id) as position
        from {{ relation }}
        where {{ entity }} is not null
            {%- if order != 'strict' %}
            -- only the steps' events (strict order needs every event: no other event may come between steps)
            and ({% for step in steps %}{{ step_funnel_condition(step) }}{{ ' or ' if not loop.last }}{% endfor %})
            {%- endif %}
    ),

    entries as (
        select entity_id, moment as entered_at, breakdown, position
        from (
            select
                *,
                row_number() over (partition by entity_id order by position) as entry_rank
            from funnel_events
            where {% if order == 'unordered' %}{% for step in steps %}is_step_{{ loop.index }}{{ ' or ' if not loop.last }}{% endfor %}{% else %}is_step_1{% endif %}
        ) as ranked
        where entry_rank = 1
    ),

    {%- if order == 'unordered' %}

    -- per entity and step the first event of the step in the window; the k-th of these completes step k
    step_firsts as (
        {%- for step in steps %}
        select entries.entity_id, min(funnel_events.position) as position
        from entries
        inner join funnel_events
            on funnel_events.entity_id = entries.entity_id
            and funnel_events.is_step_{{ loop.index }}
            and funnel_events.position >= entries.position
            and funnel_events.moment <= entries.entered_at + interval '{{ window_seconds | int }} seconds'
        group by entries.entity_id
        {{- '\n        union all' if not loop.last }}
        {%- endfor %}
    ),

    reached as (
        select
            entries.entity_id,
            entries.breakdown,
            entries.entered_at,
            row_number() over (partition by step_firsts.entity_id order by step_firsts.position) as step_number,
            funnel_events.moment as reached_at
        from step_firsts
        inner join entries
            on step_firsts.entity_id = entries.entity_id
        inner join funnel_events
            on funnel_events.entity_id = step_firsts.entity_id
            and funnel_events.position = step_firsts.position
    ),
    {%- else %}

    step_1 as (
        select entity_id, breakdown, entered_at, position, entered_at as reached_at
        from entries
    ),
    {%- for step in steps[1:] %}
    {%- set number = loop.index + 1 %}

    -- step {{ number }}: {{ "the entity's next event, if it is the step" if order == 'strict' else 'the first event of the step after step ' ~ (number - 1) }}, in the window
    step_{{ number }} as (
        select
            previous.entity_id,
            previous.breakdown,
            previous.entered_at,
            min(funnel_events.position) as position,
            min(funnel_events.moment) as reached_at
        from step_{{ number - 1 }} as previous
        inner join funnel_events
            on funnel_events.entity_id = previous.entity_id
            and funnel_events.is_step_{{ number }}
            and funnel_events.position {{ '= previous.position + 1' if order == 'strict' else '> previous.position' }}
            and funnel_events.moment <= previous.entered_at + interval '{{ window_seconds | int }} seconds'
        group by previous.entity_id, previous.breakdown, previous.entered_at
    ),
    {%- endfor %}

    reached as (
        {%- for step in steps %}
        select entity_id, breakdown, entered_at, {{ loop.index }} as step_number, reached_at
        from step_{{ loop.index }}
        {{- '\n        union all' if not loop.last }}
        {%- endfor %}
    ),
    {%- endif %}

    timed as (
        select
            reached.*,
            {{ seconds_between('reached.entered_at', 'reached.reached_at') }} as seconds_from_start,
            {{ seconds_between(
                'lag(reached.reached_at) over (partition by reached.entity_id order by reached.step_number)',
                'reached.reached_at') }} as seconds_from_previous
        from reached
    ),

    per_step as (
        select
            breakdown,
            step_number,
            count(*) as entities,
            {{ percentile_cont('seconds_from_start', 0.25) }} as p25_seconds_from_start,
            {{ percentile_cont('seconds_from_start', 0.5) }} as median_seconds_from_start,
            {{ percentile_cont('seconds_from_start', 0.75) }} as p75_seconds_from_start,
            {{ percentile_cont('seconds_from_start', 0.9) }} as p90_seconds_from_start,
            {{ percentile_cont('seconds_from_previous', 0.5) }} as median_seconds_from_previous
        from timed
        group by breakdown, step_number
    ),

    -- every step of every breakdown value, 0 entities where nobody reached it
    grid as (
        select
            breakdowns.breakdown,
            step_names.step_number,
            step_names.step_name
        from (select distinct breakdown from entries) as breakdowns
        cross join (
            values {% for step in steps %}({{ loop.index }}, '{{ step.name }}'){{ ', ' if not loop.last }}{% endfor %}
        ) as step_names (step_number, step_name)
    ),

    counted as (
        select
            grid.breakdown,
            grid.step_number,
            grid.step_name,
            coalesce(per_step.entities, 0) as entities,
            max(coalesce(per_step.entities, 0)) over (partition by grid.breakdown) as entered,
            lag(coalesce(per_step.entities, 0)) over (partition by grid.breakdown order by grid.step_number) as previous_entities,
            per_step.p25_seconds_from_start,
            per_step.median_seconds_from_start,
            per_step.p75_seconds_from_start,
            per_step.p90_seconds_from_start,
            per_step.median_seconds_from_previous
        from grid
        left join per_step
            on grid.breakdown is not distinct from per_step.breakdown
            and grid.step_number = per_step.step_number
    )

    select
        '{{ by }}' as funnel_by,
        cast(breakdown as {{ dbt.type_string() }}) as breakdown,
        cast(step_number as integer) as step_number,
        cast(step_name as {{ dbt.type_string() }}) as step_name,
        cast(entities as integer) as entities,
        cast(coalesce(previous_entities, entities) - entities as integer) as dropped_off,
        {{ round_decimals('cast(entities as double precision) / entered', 3) }} as conversion_rate,
        -- 0 after a step nobody reached
        coalesce({{ round_decimals('cast(entities as double precision) / nullif(coalesce(previous_entities, entities), 0)', 3) }}, 0) as step_conversion_rate,
        cast(p25_seconds_from_start as double precision) as p25_seconds_from_start,
        cast(median_seconds_from_start as double precision) as median_seconds_from_start,
        cast(p75_seconds_from_start as double precision) as p75_seconds_from_start,
        cast(p90_seconds_from_start as double precision) as p90_seconds_from_start,
        cast(median_seconds_from_previous as double precision) as median_seconds_from_previous
    from counted
    ) as step_funnel
{%- endmacro %}


{#- A step's condition on an events row: event_type (exact _type), conversion (a name of the conversions var:
    the event's is_<name>_conversion column) and where (SQL); all given must hold. -#}
{% macro step_funnel_condition(step) -%}
    {%- set parts = [] -%}
    {%- if step.get('event_type') %}{% do parts.append("event_type = '" ~ step.event_type ~ "'") %}{% endif -%}
    {%- if step.get('conversion') %}{% do parts.append('is_' ~ step.conversion ~ '_conversion') %}{% endif -%}
    {%- if step.get('where') %}{% do parts.append('(' ~ step.where ~ ')') %}{% endif -%}
    coalesce({{ parts | join(' and ') }}, false)
{%- endmacro %}


{#- Fails at compile time, with one line saying what to change, on an invalid step funnel definition. -#}
{% macro step_funnel_check(steps, window_seconds, order, by) -%}
    {%- set where = "step funnel (var 'step_funnel' or step_funnel_by): " -%}
    {%- if steps is string or steps is mapping or (steps | length) < 2 -%}
        {{ exceptions.raise_compiler_error(where ~ "steps must be a list of at least 2 steps, got: " ~ steps) }}
    {%- endif -%}
    {%- for step in steps -%}
        {%- if step is not mapping or not step.get('name') or not (step.get('event_type') or step.get('conversion') or step.get('where')) -%}
            {{ exceptions.raise_compiler_error(where ~ "step " ~ loop.index ~ " needs a name and event_type, conversion and/or where, got: " ~ step) }}
        {%- endif -%}
        {#- at run time only: a project whose var conversions no longer holds the step's still parses -#}
        {%- if execute and step.get('conversion') and step.conversion not in conversion_definitions() -%}
            {{ exceptions.raise_compiler_error(where ~ "step " ~ loop.index ~ ": conversion '" ~ step.conversion ~ "' is not in var 'conversions'") }}
        {%- endif -%}
    {%- endfor -%}
    {%- if order not in ['ordered', 'strict', 'unordered'] -%}
        {{ exceptions.raise_compiler_error(where ~ "order must be ordered, strict or unordered, got: " ~ order) }}
    {%- endif -%}
    {%- if by not in ['user', 'session'] -%}
        {{ exceptions.raise_compiler_error(where ~ "by must be user or session, got: " ~ by) }}
    {%- endif -%}
    {%- if window_seconds is not number or window_seconds <= 0 -%}
        {{ exceptions.raise_compiler_error(where ~ "window_seconds must be a positive number, got: " ~ window_seconds) }}
    {%- endif -%}
{%- endmacro %}
