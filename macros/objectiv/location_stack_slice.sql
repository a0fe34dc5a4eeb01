{#- A slice of the location stack as a location (model-hub-semantics 1.4, 1.5): the nice name of the stack from
    the FIRST element whose _type is from_type (and id from_id, when given) to its end, that element included:
    the model hub's `location_stack.json[{'_type': from_type, 'id': from_id}:].ls.nice_name`. NULL when no
    element matches. Returns the slice as the mapping {from_type, from_id} that a var writes; pass it where a
    location is accepted (top_product_features_by, drop_off_locations_by, funnel_conversion_by, located_events). -#}
{% macro location_stack_slice(from_type, from_id=none) -%}
    {{ return(checked_location_slice({'from_type': from_type, 'from_id': from_id})) }}
{%- endmacro %}


{#- The slice validated ({from_type, from_id}, from_id optional); a compiler error for anything else. -#}
{% macro checked_location_slice(slice) -%}
    {%- set usage = 'a location is an events column or SQL expression (a string) or a slice of the location stack '
        ~ '{from_type: <context type, e.g. OverlayContext>, from_id: <optional id>}' -%}
    {%- if slice is not mapping -%}
        {{ exceptions.raise_compiler_error(usage ~ '; got ' ~ tojson(slice)) }}
    {%- endif -%}
    {%- set unknown = slice.keys() | reject('in', ['from_type', 'from_id']) | list -%}
    {%- if unknown -%}
        {{ exceptions.raise_compiler_error(usage ~ '; unknown key(s) ' ~ unknown | join(', ')) }}
    {%- endif -%}
    {%- if slice.get('from_type') is not string or not slice.get('from_type') -%}
        {{ exceptions.raise_compiler_error(usage ~ '; from_type must be a non-empty string, got ' ~ tojson(slice.get('from_type'))) }}
    {%- endif -%}
    {%- if slice.get('from_id') is not none and slice.get('from_id') is not string -%}
        {{ exceptions.raise_compiler_error(usage ~ '; from_id must be a string (quote it), got ' ~ tojson(slice.get('from_id'))) }}
    {%- endif -%}
    {{ return({'from_type': slice.from_type, 'from_id': slice.get('from_id')}) }}
{%- endmacro %}


{#- The stack element a slice starts from, as contexts_from_element matches it. -#}
{% macro location_slice_element(slice) -%}
    {%- set element = {'_type': slice.from_type} -%}
    {%- if slice.from_id is not none %}{% do element.update({'id': slice.from_id}) %}{% endif -%}
    {{ return(element) }}
{%- endmacro %}


{#- The nice name of a slice (location_stack_slice, or a mapping {from_type, from_id}) of a stack parsed with
    parse_contexts. -#}
{% macro location_slice_nice_name(stack, slice) -%}
    {{ location_stack_nice_name(contexts_from_element(stack, location_slice_element(checked_location_slice(slice)))) }}
{%- endmacro %}


{#- A select of the rows of `relation` (default ref('events'); any relation or CTE of staged events with
    event_id) with a column `location`: the slice's nice name. The stack is read again from the collector
    table, joined by event_id, so only queries that ask for a slice pay for it. -#}
{% macro located_events(slice, relation=none) -%}
    {%- set stack = parse_contexts(event_json(parse_staged_event_json('collector.value'), 'location_stack')) -%}
    select
        events.*,
        {{ location_slice_nice_name(stack, slice) }} as location
    from {{ relation or ref('events') }} as events
    inner join {{ source('objectiv', 'data') }} as collector
        on events.event_id = collector.event_id
{%- endmacro %}


{#- What a location-taking macro reads: {relation, location}. A string location is an SQL expression on
    `relation` itself; a slice reads `relation` through located_events and its location column. -#}
{% macro location_source(relation, location) -%}
    {%- if location is string -%}
        {{ return({'relation': relation, 'location': location}) }}
    {%- endif -%}
    {{ return({'relation': '(' ~ located_events(location, relation) ~ ') as located_events', 'location': 'location'}) }}
{%- endmacro %}
