{#- One row per event and element of a context array, in array order (position 1 = first element). -#}
{% macro flatten_contexts(relation, column) -%}
select
    event_id,
    position,
    element ->> '_type' as context_type,
    element ->> 'id' as context_id,
    element
from (
    select
        event_id,
        {{ unnest_json_array_positions(column) }} as position,
        {{ unnest_json_array_elements(column) }} as element
    from {{ relation }} as contexts
) as elements
{%- endmacro %}


{#- A subquery of (event_id, <column>) for the events of `events`, the context array read from the JSON in
    the source table (base_objectiv__events does not copy the JSON). -#}
{% macro contexts_from_source(events, source, column) -%}
(
    select
        {{ events }}.event_id,
        {{ event_json(parse_event_json(source ~ '.value'), column) }} as {{ column }}
    from {{ events }}
    inner join {{ source }}
        on {{ events }}.event_id = {{ source }}.event_id
)
{%- endmacro %}
