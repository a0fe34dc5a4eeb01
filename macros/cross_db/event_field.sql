{#- Top-level fields of an event parsed by parse_event_json: as text (a JSON string; NULL when missing
    or JSON null; the JSON text of any other value), its JSON type (the engine's name, see json_type_words),
    as a text array, as JSON. DuckDB's parse keeps only _type as JSON (event_text and event_field_type are for
    _type there). -#}
{% macro event_text(event, key) -%}
    {{ return(adapter.dispatch('event_text', 'objectiv_analytics')(event, key)) }}
{%- endmacro %}

{% macro default__event_text(event, key) -%}
    ({{ event }} ->> '{{ key }}')
{%- endmacro %}

{% macro duckdb__event_text(event, key) -%}
    ({{ event }}.{{ key }} ->> '$')
{%- endmacro %}


{% macro event_field_type(event, key) -%}
    {{ return(adapter.dispatch('event_field_type', 'objectiv_analytics')(event, key)) }}
{%- endmacro %}

{% macro default__event_field_type(event, key) -%}
    jsonb_typeof({{ event }} -> '{{ key }}')
{%- endmacro %}

{% macro duckdb__event_field_type(event, key) -%}
    json_type({{ event }}.{{ key }})
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

{#- JSON null reads as missing (SQL NULL), as on DuckDB. -#}
{% macro default__event_json(event, key) -%}
    nullif({{ event }} -> '{{ key }}', 'null'::jsonb)
{%- endmacro %}

{% macro duckdb__event_json(event, key) -%}
    {{ event }}.{{ key }}
{%- endmacro %}
