{#- The validated `conversions` var: {name: {event_type, location_stack, global_contexts, value, after}}. Fails at compile time
    with a message naming the definition and what is wrong. -#}
{% macro conversion_definitions() %}
    {%- set definitions = var('conversions', {}) -%}
    {%- set problem = none -%}
    {%- if definitions is not mapping -%}
        {{ exceptions.raise_compiler_error("var 'conversions' must map names to definitions, got: " ~ definitions) }}
    {%- endif -%}
    {%- for name, definition in definitions.items() -%}
        {%- set where = "conversion '" ~ name ~ "' (var 'conversions'): " -%}
        {%- if not modules.re.match('^[a-z][a-z0-9_]*$', name | string) -%}
            {{ exceptions.raise_compiler_error(where ~ "the name must be lower case letters, digits and _ (it names columns)") }}
        {%- endif -%}
        {%- if definition is not mapping -%}
            {{ exceptions.raise_compiler_error(where ~ "must be a mapping with event_type, location_stack and/or global_contexts, got: " ~ definition) }}
        {%- endif -%}
        {%- set unknown = definition.keys() | reject('in', ['event_type', 'location_stack', 'global_contexts', 'value', 'after']) | list -%}
        {%- if unknown -%}
            {{ exceptions.raise_compiler_error(where ~ "unknown keys " ~ unknown ~ "; allowed: event_type, location_stack, global_contexts, value, after") }}
        {%- endif -%}
        {%- set after = definition.get('after') -%}
        {%- if after is not none and (after is not mapping or after.get('conversion') not in definitions or after.conversion == name
                or definitions[after.conversion].get('after') or after.get('within_hours') is not number or after.within_hours <= 0) -%}
            {{ exceptions.raise_compiler_error(where ~ "after must be {conversion: <another conversion without an after>, within_hours: <a positive number>}, got: " ~ after) }}
        {%- endif -%}
        {%- if not definition.get('event_type') and not definition.get('location_stack') and not definition.get('global_contexts') -%}
            {{ exceptions.raise_compiler_error(where ~ "needs event_type, location_stack and/or global_contexts") }}
        {%- endif -%}
        {%- if definition.get('event_type') is not none and definition.event_type is not string -%}
            {{ exceptions.raise_compiler_error(where ~ "event_type must be one event type name, got: " ~ definition.event_type) }}
        {%- endif -%}
        {%- for key in ['location_stack', 'global_contexts'] -%}
            {%- for element in conversion_context_elements(definition, key) -%}
                {%- if element is not mapping or not element or element.values() | reject('string') | list -%}
                    {{ exceptions.raise_compiler_error(where ~ key ~ " must be a mapping of context keys to text values (or a list of them), got: " ~ element) }}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set value = definition.get('value') -%}
        {%- if value is not none and (value is not mapping or not value.get('global_context') or not value.get('field')) -%}
            {{ exceptions.raise_compiler_error(where ~ "value must be {global_context: <context type>, id: <optional id>, field: <field>}, got: " ~ value) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(definitions) }}
{% endmacro %}


{#- A definition's location_stack condition as a list of alternative elements (empty: no condition). -#}
{% macro conversion_stack_elements(definition) %}
    {{ return(conversion_context_elements(definition, 'location_stack')) }}
{% endmacro %}


{#- A definition's location_stack or global_contexts condition as a list of alternative elements (empty: no
    condition): the event's stack (or its global contexts) holds a context with all the keys of one of them. -#}
{% macro conversion_context_elements(definition, key) %}
    {%- set elements = definition.get(key) or [] -%}
    {{ return([elements] if elements is mapping else elements) }}
{% endmacro %}


{#- Per conversion definition: is_<name>_conversion (the event matches the definition) and, for definitions
    with a value, <name>_conversion_value (the value field of the first matching global context as a
    number, NULL when missing or not a number). Computed once, in base_objectiv__events, on good rows, from
    the contexts it parsed with the fields conversion_context_fields names. -#}
{% macro conversion_match_columns(is_good_row, location_contexts, global_contexts) %}
    {%- for name, definition in conversion_definitions().items() %}
    {%- set stack_elements = conversion_stack_elements(definition) %}
    {%- set global_elements = conversion_context_elements(definition, 'global_contexts') %}
    case when {{ is_good_row }}
        {%- if definition.get('event_type') %} and event_type = '{{ definition.event_type }}'{% endif %}
        {%- if stack_elements %} and ({% for element in stack_elements %}{{ contexts_have_element(location_contexts, element) }}{{ ' or ' if not loop.last }}{% endfor %}){% endif %}
        {%- if global_elements %} and ({% for element in global_elements %}{{ contexts_have_element(global_contexts, element) }}{{ ' or ' if not loop.last }}{% endfor %}){% endif %}
        then true else false
    end as is_{{ name }}_conversion,
    {%- set value = definition.get('value') %}
    {%- if value %}
    {{ try_cast_number(first_context_field(global_contexts, value.global_context, value.field, value.get('id'))) }}
        as {{ name }}_conversion_value,
    {%- endif %}
    {%- endfor %}
{%- endmacro %}


{#- The context fields (besides _type and id) the conversion definitions read: {'location_stack': [...],
    'global_contexts': [...]}, for parse_contexts. -#}
{% macro conversion_context_fields() %}
    {%- set fields = {'location_stack': [], 'global_contexts': []} -%}
    {%- for name, definition in conversion_definitions().items() -%}
        {%- for element in conversion_stack_elements(definition) -%}
            {%- for key in element if key not in ['_type', 'id'] and key not in fields.location_stack -%}
                {%- do fields.location_stack.append(key) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- for element in conversion_context_elements(definition, 'global_contexts') -%}
            {%- for key in element if key not in ['_type', 'id'] and key not in fields.global_contexts -%}
                {%- do fields.global_contexts.append(key) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- set value = definition.get('value') -%}
        {%- if value and value.field not in fields.global_contexts + ['_type', 'id'] -%}
            {%- do fields.global_contexts.append(value.field) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(fields) }}
{% endmacro %}


{#- The columns conversion_match_columns adds, by name, for the models that pass them on. -#}
{% macro conversion_match_column_names() %}
    {%- set names = [] -%}
    {%- for name, definition in conversion_definitions().items() -%}
        {%- do names.append('is_' ~ name ~ '_conversion') -%}
        {%- if definition.get('value') -%}
            {%- do names.append(name ~ '_conversion_value') -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}


{#- The names of the conversion definitions as a select of one column conversion_name (no rows without any). -#}
{% macro conversion_names() %}
    {%- for name in conversion_definitions() %}
    select '{{ name }}' as conversion_name
    {{ 'union all' if not loop.last }}
    {%- else %}
    select cast(null as {{ dbt.type_string() }}) as conversion_name where false
    {%- endfor %}
{%- endmacro %}
