{#- ref() and source() without the database part when it is the DuckDB file's own catalog: dbt-duckdb names
    that catalog after the file, and a view storing "objectiv"."main"."x" breaks once the file is copied or
    attached under another name ("main"."x" binds inside the view's own catalog). Every other target, and
    relations in another catalog (the postgres_python target's attached `warehouse`), keep it. -#}
{% macro ref() %}
    {%- set version = kwargs.get('version') or kwargs.get('v') -%}
    {%- set relation = builtins.ref(*varargs, version=version) if version else builtins.ref(*varargs) -%}
    {{ return(without_file_catalog(relation)) }}
{% endmacro %}

{% macro source(source_name, table_name) %}
    {{ return(without_file_catalog(builtins.source(source_name, table_name))) }}
{% endmacro %}

{% macro without_file_catalog(relation) %}
    {%- if target.type == 'duckdb' and relation.database is not none
            and relation.database == duckdb_file_catalog() -%}
        {{ return(relation.include(database=false)) }}
    {%- endif -%}
    {{ return(relation) }}
{% endmacro %}

{#- The catalog DuckDB gives the target's file: the first non-empty dot-separated part of the file name
    ("objectiv.duckdb" -> objectiv), as dbt-duckdb derives it; none for ':memory:' and MotherDuck. -#}
{% macro duckdb_file_catalog() %}
    {%- set path = target.get('path') or '' -%}
    {%- if path in ('', ':memory:') or path.startswith('md:') -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(path.replace('\\', '/').split('/')[-1].lstrip('.').split('.')[0]) }}
{% endmacro %}
