{#- Context arrays (location_stack, global_contexts) parsed once for repeated lookups.
    parse_contexts: DuckDB a list of STRUCT(_type, id, <fields>); PostgreSQL jsonb, with anything that
    is not an array read as an empty array so that lookups never fail on quarantined rows. -#}
{% macro parse_contexts(json, fields=[]) -%}
    {{ return(adapter.dispatch('parse_contexts', 'objectiv_analytics')(json, fields)) }}
{%- endmacro %}

{% macro default__parse_contexts(json, fields) -%}
    (case when jsonb_typeof({{ json }}) = 'array' then {{ json }} else '[]'::jsonb end)
{%- endmacro %}

{% macro duckdb__parse_contexts(json, fields) -%}
    {%- set members = ['_type', 'id'] + fields -%}
    from_json({{ json }}, '[{ {%- for member in members -%} "{{ member }}": "VARCHAR"{{ ", " if not loop.last }}{%- endfor -%} }]')
{%- endmacro %}


{#- Field of the FIRST context of a type (optionally also with a given id), NULL if there is none
    (model-hub-semantics 1.3). DuckDB needs the field listed in parse_contexts(fields=...). -#}
{% macro first_context_field(contexts, context_type, field, context_id=none) -%}
    {{ return(adapter.dispatch('first_context_field', 'objectiv_analytics')(contexts, context_type, field, context_id)) }}
{%- endmacro %}

{% macro default__first_context_field(contexts, context_type, field, context_id) -%}
    (
        select context.element ->> '{{ field }}'
        from jsonb_array_elements({{ contexts }}) with ordinality as context(element, position)
        where context.element ->> '_type' = '{{ context_type }}'
            {%- if context_id is not none %} and context.element ->> 'id' = '{{ context_id }}'{% endif %}
        order by context.position
        limit 1
    )
{%- endmacro %}

{% macro duckdb__first_context_field(contexts, context_type, field, context_id) -%}
    list_filter({{ contexts }}, lambda context: context._type = '{{ context_type }}'
        {%- if context_id is not none %} and context.id = '{{ context_id }}'{% endif %})[1].{{ field }}
{%- endmacro %}
