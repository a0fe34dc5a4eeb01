{#- Parsed contexts (parse_contexts) from the FIRST element with all the given key/value pairs to the end,
    that element included (model-hub-semantics 1.5: the model hub's `location_stack.json[{...}:]`); an empty
    array (list) when no element matches. DuckDB needs every key of the element among parse_contexts' fields. -#}
{% macro contexts_from_element(contexts, element) -%}
    {{ return(adapter.dispatch('contexts_from_element', 'objectiv_analytics')(contexts, element)) }}
{%- endmacro %}

{% macro default__contexts_from_element(contexts, element) -%}
    (
        select coalesce(jsonb_agg(context.element order by context.position), '[]'::jsonb)
        from (
            select
                element,
                position,
                bool_or(element @> '{{ tojson(element) | replace("'", "''") }}'::jsonb) over (order by position) as is_from_match
            from jsonb_array_elements({{ contexts }}) with ordinality as elements(element, position)
        ) as context
        where context.is_from_match
    )
{%- endmacro %}

{% macro duckdb__contexts_from_element(contexts, element) -%}
    list_slice(
        {{ contexts }},
        coalesce(list_position(list_transform(
            {{ contexts }},
            lambda context: {% for key, value in element.items() %}context."{{ key }}" = '{{ value | replace("'", "''") }}'{{ ' and ' if not loop.last }}{% endfor %}
        ), true), len({{ contexts }}) + 1),
        len({{ contexts }})
    )
{%- endmacro %}
