{#- An event's identity for identity resolution (var identity_resolution): the value of its first
    IdentityContext with that id, suffixed with '|<id>' so that identities never equal cookie ids.
    `contexts`: the global contexts parsed by parse_contexts with the field 'value'. -#}
{% macro event_identity(contexts) -%}
    {{ first_context_field(contexts, 'IdentityContext', 'value', context_id=var('identity_resolution')) }}
        || '|{{ var("identity_resolution") }}'
{%- endmacro %}
