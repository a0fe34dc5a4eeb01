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
    from {{ relation }}
) as elements
{%- endmacro %}
