{#- True when parsed contexts (a location stack parsed by parse_contexts, with every key of the element among
    its fields) hold an element with all the given key/value pairs (model-hub-semantics 1.5: "the stack
    contains an element matching {_type, id, ...}"). -#}
{% macro contexts_have_element(contexts, element) -%}
    {{ return(adapter.dispatch('contexts_have_element', 'objectiv_analytics')(contexts, element)) }}
{%- endmacro %}

{% macro default__contexts_have_element(contexts, element) -%}
    ({{ contexts }} @> '{{ tojson([element]) | replace("'", "''") }}'::jsonb)
{%- endmacro %}

{% macro duckdb__contexts_have_element(contexts, element) -%}
    (len(list_filter(
        {{ contexts }},
        lambda context: {% for key, value in element.items() %}context."{{ key }}" = '{{ value | replace("'", "''") }}'{{ ' and ' if not loop.last }}{% endfor %}
    )) > 0)
{%- endmacro %}
