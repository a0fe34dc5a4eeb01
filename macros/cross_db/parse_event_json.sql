{#- Parse an event's JSON once into something the event_* and context macros read.
    DuckDB: a STRUCT (top-level scalars typed, location_stack/global_contexts kept as JSON text);
    PostgreSQL: jsonb. NULL when the value is not valid JSON (DuckDB; PostgreSQL json columns are always valid). -#}
{% macro parse_event_json(value) -%}
    {{ return(adapter.dispatch('parse_event_json', 'objectiv_analytics')(value)) }}
{%- endmacro %}

{% macro default__parse_event_json(value) -%}
    ({{ value }})::jsonb
{%- endmacro %}

{% macro duckdb__parse_event_json(value) -%}
    try(from_json({{ value }}, '{"_type": "VARCHAR", "_types": "VARCHAR[]", "location_stack": "JSON", "global_contexts": "JSON"}'))
{%- endmacro %}
