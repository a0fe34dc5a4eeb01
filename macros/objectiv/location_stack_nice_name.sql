{#- Nice name of a location stack (model-hub-semantics 1.4):
    '<Type>: <id>' of the last element, then, for stacks of two or more, ' located at ' and the earlier
    elements' '<Type>: <id>' joined by ' => '. An earlier element without id or type is skipped; NULL
    when the stack is empty, the last element lacks id or type, or every earlier element lacks one.
    The argument is a stack parsed with parse_contexts. -#}
{% macro location_stack_nice_name(stack) -%}
    {{ return(adapter.dispatch('location_stack_nice_name', 'objectiv_analytics')(stack)) }}
{%- endmacro %}

{% macro default__location_stack_nice_name(stack) -%}
    (
        select
            max(labels.label) filter (where labels.position = labels.stack_length)
            || case
                when max(labels.stack_length) > 1
                    then ' located at ' || string_agg(labels.label, ' => ' order by labels.position)
                        filter (where labels.position < labels.stack_length)
                else ''
            end
        from (
            select
                context.position,
                jsonb_array_length({{ stack }}) as stack_length,
                {{ context_label("context.element ->> '_type'", "context.element ->> 'id'") }} as label
            from jsonb_array_elements({{ stack }}) with ordinality as context(element, position)
        ) as labels
    )
{%- endmacro %}

{% macro duckdb__location_stack_nice_name(stack) -%}
    case
        when len({{ stack }}) = 1
            then {{ context_label(stack ~ '[1]._type', stack ~ '[1].id') }}
        when len({{ stack }}) > 1
            then {{ context_label(stack ~ '[-1]._type', stack ~ '[-1].id') }}
                || ' located at '
                || nullif(array_to_string(list_transform(
                    list_slice({{ stack }}, 1, len({{ stack }}) - 1),
                    lambda context: {{ context_label('context._type', 'context.id') }}
                ), ' => '), '')
    end
{%- endmacro %}


{#- '<Type>: <id>' with the type made readable: a space between each lower-case letter and a following
    capital, then every ' Context' removed (RootLocationContext -> 'Root Location'). NULL if either is NULL.
    The tracker's location context types are mapped by a CASE computed here with the same rule (a regular
    expression per element was half of the staging time); other types go through the regular expression. -#}
{% macro context_label(context_type, context_id) -%}
    {%- set known_types = ['RootLocationContext', 'ContentContext', 'LinkContext', 'PressableContext',
                           'NavigationContext', 'OverlayContext', 'ExpandableContext', 'InputContext',
                           'MediaPlayerContext'] -%}
    (case ({{ context_type }})
        {%- for known in known_types %}
        when '{{ known }}' then '{{ modules.re.sub('([a-z])([A-Z])', '\\1 \\2', known).replace(' Context', '') }}'
        {%- endfor %}
        else replace(regexp_replace(({{ context_type }}), '([a-z])([A-Z])', '\1 \2', 'g'), ' Context', '')
    end) || ': ' || ({{ context_id }})
{%- endmacro %}
