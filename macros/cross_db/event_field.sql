{#- Top-level fields of an event parsed by parse_event_json: as text, as a text array, as JSON. -#}
{% macro event_text(event, key) -%}
    {{ return(adapter.dispatch('event_text', 'objectiv_analytics')(event, key)) }}
{%- endmacro %}

{% macro default__event_text(event, key) -%}
    ({{ event }} ->> '{{ key }}')
{%- endmacro %}

{% macro duckdb__event_text(event, key) -%}
    {{ event }}.{{ key }}
{%- endmacro %}


{% macro event_text_array(event, key) -%}
    {{ return(adapter.dispatch('event_text_array', 'objectiv_analytics')(event, key)) }}
{%- endmacro %}

{% macro default__event_text_array(event, key) -%}
    case when jsonb_typeof({{ event }} -> '{{ key }}') = 'array'
        then array(select jsonb_array_elements_text({{ event }} -> '{{ key }}'))
    end
{%- endmacro %}

{% macro duckdb__event_text_array(event, key) -%}
    {{ event }}.{{ key }}
{%- endmacro %}


{% macro event_json(event, key) -%}
    {{ return(adapter.dispatch('event_json', 'objectiv_analytics')(event, key)) }}
{%- endmacro %}

{% macro default__event_json(event, key) -%}
    ({{ event }} -> '{{ key }}')
{%- endmacro %}

{% macro duckdb__event_json(event, key) -%}
    {{ event }}.{{ key }}
{%- endmacro %}
