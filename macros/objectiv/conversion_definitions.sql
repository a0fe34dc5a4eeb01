{#- The validated `conversions` var: {name: {event_type, location_stack, value}}. Fails at compile time
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
            {{ exceptions.raise_compiler_error(where ~ "must be a mapping with event_type and/or location_stack, got: " ~ definition) }}
        {%- endif -%}
        {%- set unknown = definition.keys() | reject('in', ['event_type', 'location_stack', 'value']) | list -%}
        {%- if unknown -%}
            {{ exceptions.raise_compiler_error(where ~ "unknown keys " ~ unknown ~ "; allowed: event_type, location_stack, value") }}
        {%- endif -%}
        {%- if not definition.get('event_type') and not definition.get('location_stack') -%}
            {{ exceptions.raise_compiler_error(where ~ "needs event_type and/or location_stack") }}
        {%- endif -%}
        {%- if definition.get('event_type') is not none and definition.event_type is not string -%}
            {{ exceptions.raise_compiler_error(where ~ "event_type must be one event type name, got: " ~ definition.event_type) }}
        {%- endif -%}
        {%- for element in conversion_stack_elements(definition) -%}
            {%- if element is not mapping or not element or element.values() | reject('string') | list -%}
                {{ exceptions.raise_compiler_error(where ~ "location_stack must be a mapping of context keys to text values (or a list of them), got: " ~ element) }}
            {%- endif -%}
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
    {%- set elements = definition.get('location_stack') or [] -%}
    {{ return([elements] if elements is mapping else elements) }}
{% endmacro %}
