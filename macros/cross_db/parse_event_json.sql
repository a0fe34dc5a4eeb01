{#- Parse an event's JSON once into something the event_* and context macros read; never an error, whatever
    the value holds (a bad row is quarantined, it must not fail the model and take its neighbours with it).
    DuckDB: a STRUCT (_type kept as JSON so its type can be checked, _types as VARCHAR[], location_stack and
    global_contexts as JSON text); NULL when the value is not a JSON object.
    PostgreSQL: jsonb, NULL when the json cannot become jsonb (a \u0000 escape, a lone surrogate, a number
    beyond numeric's range, ...), by json_parser_function() (created by create_json_parser, an on-run-start
    hook), which catches the cast's error. Measured on 200,000 events (backend CPU): the cast alone 2.0-2.1 s,
    through the function 2.2-2.3 s, with a "fast path" that skips the function for rows without '\u' 2.8-3.2 s:
    reading the text again costs more than the exception block saves, and a fast path would still have to
    catch huge exponents (a regular expression per row, dearer still). A jsonb column is passed through. -#}
{% macro parse_event_json(value) -%}
    {{ return(adapter.dispatch('parse_event_json', 'objectiv_analytics')(value)) }}
{%- endmacro %}

{% macro default__parse_event_json(value) -%}
    {{ json_parser_function() }}({{ value }})
{%- endmacro %}

{% macro duckdb__parse_event_json(value) -%}
    (case when {{ json_text_starts_with(value, '{') }} then try(from_json({{ value }},
        '{"_type": "JSON", "_types": "VARCHAR[]", "location_stack": "JSON", "global_contexts": "JSON"}')) end)
{%- endmacro %}


{#- DuckDB: true when the JSON text's first non-blank character is `character` (JSON allows blanks first). -#}
{% macro json_text_starts_with(value, character) -%}
    (starts_with(cast({{ value }} as varchar), '{{ character }}')
        or ltrim(cast({{ value }} as varchar), e' \t\n\r') like '{{ character }}%')
{%- endmacro %}


{#- PostgreSQL: the function that converts json text to jsonb or returns NULL (schema-qualified). -#}
{% macro json_parser_function() -%}
    {{ adapter.quote(target.schema) }}.objectiv_jsonb_or_null
{%- endmacro %}


{#- on-run-start hook: creates the PostgreSQL functions parse_event_json and json_problem call (in the target
    schema, replaced on every run); nothing on DuckDB. -#}
{% macro create_json_parser() -%}
    {{ return(adapter.dispatch('create_json_parser', 'objectiv_analytics')()) }}
{%- endmacro %}

{% macro default__create_json_parser() -%}
    {%- set parser = json_parser_function() -%}
    create schema if not exists {{ adapter.quote(target.schema) }};
    {%- for type in ['json', 'text'] %}
    create or replace function {{ parser }}(value {{ type }}) returns jsonb
    language plpgsql immutable parallel restricted as $body$
    begin
        return value::jsonb;
    exception when others then
        return null;
    end
    $body$;
    create or replace function {{ parser }}_error(value {{ type }}) returns text
    language plpgsql immutable parallel restricted as $body$
    declare
        message text;
        detail text;
    begin
        perform value::jsonb;
        return null;
    exception when others then
        get stacked diagnostics message = message_text, detail = pg_exception_detail;
        return message || coalesce(' (' || nullif(detail, '') || ')', '');
    end
    $body$;
    {%- endfor %}
    create or replace function {{ parser }}(value jsonb) returns jsonb
    language sql immutable parallel safe as $body$ select value $body$;
    create or replace function {{ parser }}_error(value jsonb) returns text
    language sql immutable parallel safe as $body$ select null::text $body$;
{%- endmacro %}

{% macro duckdb__create_json_parser() -%}
    select 1
{%- endmacro %}


{#- Why a value did not parse into a JSON object (for rows parse_event_json gave NULL or a non-object):
    not valid JSON (PostgreSQL: with its error), or the JSON type it holds instead of an object. -#}
{% macro json_problem(value) -%}
    {{ return(adapter.dispatch('json_problem', 'objectiv_analytics')(value)) }}
{%- endmacro %}

{% macro default__json_problem(value) -%}
    coalesce(
        'value is not valid JSON for PostgreSQL: ' || {{ json_parser_function() }}_error({{ value }}),
        'value is not a JSON object: found ' || {{ json_type_words('json_typeof(cast(' ~ value ~ ' as json))') }}
    )
{%- endmacro %}

{% macro duckdb__json_problem(value) -%}
    coalesce(
        'value is not a JSON object: found ' || {{ json_type_words('try(json_type(' ~ value ~ '))') }},
        'value is not valid JSON'
    )
{%- endmacro %}


{#- A JSON type name (PostgreSQL json_typeof or DuckDB json_type) in words: 'an array', 'a number', ...;
    NULL for NULL. -#}
{% macro json_type_words(type_name) -%}
    (case lower({{ type_name }})
        when 'object' then 'an object' when 'array' then 'an array' when 'string' then 'a string'
        when 'varchar' then 'a string' when 'boolean' then 'a boolean' when 'null' then 'null'
        when 'number' then 'a number' when 'bigint' then 'a number' when 'ubigint' then 'a number'
        when 'double' then 'a number' when 'hugeint' then 'a number'
    end)
{%- endmacro %}


{#- True when a JSON text holds the escape \u0000 (a NUL character; not \\u0000, an escaped backslash).
    PostgreSQL text cannot hold NUL, so such rows are quarantined on both engines alike. PostgreSQL looks only
    at rows whose parse (`event`) failed, as every row with a NUL does there: reading the text again costs. -#}
{% macro json_has_nul_escape(value, event) -%}
    {{ return(adapter.dispatch('json_has_nul_escape', 'objectiv_analytics')(value, event)) }}
{%- endmacro %}

{% macro default__json_has_nul_escape(value, event) -%}
    ({{ event }} is null and strpos(cast({{ value }} as text), '\u0000') > 0
        and cast({{ value }} as text) ~ '(^|[^\\])(\\\\)*\\u0000')
{%- endmacro %}

{% macro duckdb__json_has_nul_escape(value, event) -%}
    (contains(cast({{ value }} as varchar), '\u0000')
        and regexp_matches(cast({{ value }} as varchar), '(^|[^\\])(\\\\)*\\u0000'))
{%- endmacro %}


{#- True when a parsed event (parse_event_json) is a JSON object. -#}
{% macro event_is_object(event) -%}
    {{ return(adapter.dispatch('event_is_object', 'objectiv_analytics')(event)) }}
{%- endmacro %}

{% macro default__event_is_object(event) -%}
    (jsonb_typeof({{ event }}) = 'object')
{%- endmacro %}

{% macro duckdb__event_is_object(event) -%}
    ({{ event }} is not null)
{%- endmacro %}


{#- A staged event's JSON parsed again, for the fields staging does not keep (the location stack of a slice,
    located_events). Only for values staging did not quarantine. PostgreSQL: a plain cast, since such values
    parse, and json_parser_function() (parallel restricted) fails inside parallel queries. -#}
{% macro parse_staged_event_json(value) -%}
    {{ return(adapter.dispatch('parse_staged_event_json', 'objectiv_analytics')(value)) }}
{%- endmacro %}

{% macro default__parse_staged_event_json(value) -%}
    cast({{ value }} as jsonb)
{%- endmacro %}

{% macro duckdb__parse_staged_event_json(value) -%}
    {{ parse_event_json(value) }}
{%- endmacro %}
