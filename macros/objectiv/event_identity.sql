{#- An event's identity for identity resolution (var identity_resolution): the value of its first
    IdentityContext with that id, suffixed with '|<id>' so that identities never equal cookie ids. -#}
{% macro event_identity(global_contexts) -%}
    {{ first_context_field(parse_contexts(global_contexts, ['value']), 'IdentityContext', 'value',
        context_id=var('identity_resolution')) }} || '|{{ var("identity_resolution") }}'
{%- endmacro %}
