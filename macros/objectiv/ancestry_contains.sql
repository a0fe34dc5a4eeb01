{#- True when an event's ancestry (stack_event_types) contains the event type, e.g. 'InteractiveEvent':
    the model hub's `stack_event_types >= [type]`. Never compare event_type itself, so both taxonomies
    (PressEvent, the older ClickEvent) count as interactive. -#}
{% macro ancestry_contains(event_type, column='stack_event_types') -%}
    {{ array_contains(column, "'" ~ event_type ~ "'") }}
{%- endmacro %}
