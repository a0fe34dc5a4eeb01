{#- JSON arrays: type check, length, and unnesting in a select list (one row per element, in order).
    Both engines zip several set-returning expressions of one select list, so position and element
    unnested side by side stay aligned. -#}
{% macro json_is_array(json) -%}
    {{ return(adapter.dispatch('json_is_array', 'objectiv_analytics')(json)) }}
{%- endmacro %}

{% macro default__json_is_array(json) -%}
    (jsonb_typeof({{ json }}) = 'array')
{%- endmacro %}

{#- Valid JSON text whose first non-blank character is '[' is an array: no parse needed. -#}
{% macro duckdb__json_is_array(json) -%}
    (ltrim(cast({{ json }} as varchar)) like '[%')
{%- endmacro %}


{% macro json_array_length(json) -%}
    {{ return(adapter.dispatch('json_array_length', 'objectiv_analytics')(json)) }}
{%- endmacro %}

{% macro default__json_array_length(json) -%}
    jsonb_array_length({{ json }})
{%- endmacro %}

{% macro duckdb__json_array_length(json) -%}
    json_array_length({{ json }})
{%- endmacro %}


{% macro unnest_json_array_positions(json) -%}
    {{ return(adapter.dispatch('unnest_json_array_positions', 'objectiv_analytics')(json)) }}
{%- endmacro %}

{% macro default__unnest_json_array_positions(json) -%}
    generate_series(1, jsonb_array_length({{ json }}))
{%- endmacro %}

{% macro duckdb__unnest_json_array_positions(json) -%}
    unnest(generate_series(1, cast(json_array_length({{ json }}) as bigint)))
{%- endmacro %}


{% macro unnest_json_array_elements(json) -%}
    {{ return(adapter.dispatch('unnest_json_array_elements', 'objectiv_analytics')(json)) }}
{%- endmacro %}

{% macro default__unnest_json_array_elements(json) -%}
    jsonb_array_elements({{ json }})
{%- endmacro %}

{% macro duckdb__unnest_json_array_elements(json) -%}
    unnest(from_json({{ json }}, '["JSON"]'))
{%- endmacro %}
