{#- True when a JSON array (a location stack) has an element holding all the given key/value pairs
    (model-hub-semantics 1.5: "the stack contains an element matching {_type, id, ...}"). -#}
{% macro json_array_has_element(json_array, element) -%}
    {{ return(adapter.dispatch('json_array_has_element', 'objectiv_analytics')(json_array, element)) }}
{%- endmacro %}

{% macro default__json_array_has_element(json_array, element) -%}
    (({{ json_array }})::jsonb @> '{{ tojson([element]) | replace("'", "''") }}'::jsonb)
{%- endmacro %}

{% macro duckdb__json_array_has_element(json_array, element) -%}
    (len(list_filter(
        {{ parse_contexts(json_array, element.keys() | reject('in', ['_type', 'id']) | list) }},
        lambda context: {% for key, value in element.items() %}context."{{ key }}" = '{{ value | replace("'", "''") }}'{{ ' and ' if not loop.last }}{% endfor %}
    )) > 0)
{%- endmacro %}
