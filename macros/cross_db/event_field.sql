{#- Top-level fields of an event parsed by parse_event_json: as text (a JSON string; NULL when missing
    or JSON null; the JSON text of any other value), whether it is a JSON string, as a text array, as JSON
    (DuckDB: SQL NULL for JSON null, PostgreSQL: jsonb 'null'). DuckDB's parse keeps only _type as JSON
    (event_text and event_field_is_string are for _type there). -#}
{% macro event_text(event, key) -%}
    {{ return(adapter.dispatch('event_text', 'objectiv_analytics')(event, key)) }}
{%- endmacro %}

{% macro default__event_text(event, key) -%}
    ({{ event }} ->> '{{ key }}')
{%- endmacro %}

{% macro duckdb__event_text(event, key) -%}
    ({{ event }}.{{ key }} ->> '$')
{%- endmacro %}


{% macro event_field_is_string(event, key) -%}
    {{ return(adapter.dispatch('event_field_is_string', 'objectiv_analytics')(event, key)) }}
{%- endmacro %}

{% macro default__event_field_is_string(event, key) -%}
    (jsonb_typeof({{ event }} -> '{{ key }}') = 'string')
{%- endmacro %}

{% macro duckdb__event_field_is_string(event, key) -%}
    (json_type({{ event }}.{{ key }}) = 'VARCHAR')
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


{#- The JSON type of a JSON value (event_json's, or DuckDB's _type), the engine's name: json_type_words reads it. -#}
{% macro json_value_type(json) -%}
    {{ return(adapter.dispatch('json_value_type', 'objectiv_analytics')(json)) }}
{%- endmacro %}

{% macro default__json_value_type(json) -%}
    jsonb_typeof({{ json }})
{%- endmacro %}

{% macro duckdb__json_value_type(json) -%}
    json_type({{ json }})
{%- endmacro %}

{% macro duckdb__event_json(event, key) -%}
    {{ event }}.{{ key }}
{%- endmacro %}
