{#- The days base_objectiv__events must compare with the source beyond its lookback, so that rows loaded late
    (older than the lookback) are staged by the next run: a list of 'YYYY-MM-DD' strings, read once when the
    model runs (PostgreSQL then plans with constants and uses the source's day index).
    var late_rows_detection:
    - load_manifest: the days of the loads recorded in the load manifest (<source_table>_loads, written by
      `make load`) since the last run that staged rows started (its dbt_updated_at). The loader stamps
      loaded_at just before it commits, so a load that run did not see has a later loaded_at; with the
      loader on another host, the clocks must agree. Cost: the rows of those days.
    - day_counts: the days on which the source holds more rows than base_objectiv__events (a count per day of
      both tables; on PostgreSQL an index-only scan of an index on the source's day). Exact unless rows are deleted
      from the source. For a collector table fed by something else than `make load`.
    - auto (default): load_manifest when the manifest exists and holds rows, day_counts otherwise. -#}
{% macro late_source_days(lookback_minutes) -%}
    {%- if not (execute and is_incremental()) or lookback_minutes is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set mode = var('late_rows_detection') -%}
    {%- if mode not in ['auto', 'load_manifest', 'day_counts'] -%}
        {{ exceptions.raise_compiler_error("late_rows_detection must be auto, load_manifest or day_counts, not '" ~ mode ~ "'") }}
    {%- endif -%}
    {%- set manifest = source('objectiv', 'data_loads') -%}
    {%- set use_manifest = false -%}
    {%- if mode != 'day_counts' -%}
        {%- set found = adapter.get_relation(manifest.database, manifest.schema, manifest.identifier) -%}
        {%- if found is none and mode == 'load_manifest' -%}
            {{ exceptions.raise_compiler_error("late_rows_detection is load_manifest but there is no load manifest " ~ manifest ~ ": load with `make load`, or set late_rows_detection to day_counts") }}
        {%- endif -%}
        {%- set use_manifest = found is not none and (mode == 'load_manifest'
            or run_query('select 1 from ' ~ manifest ~ ' limit 1').rows | length > 0) -%}
    {%- endif -%}
    {%- if use_manifest -%}
        {%- set query -%}
            select distinct cast(day as {{ dbt.type_string() }}) from {{ manifest }}
            where loaded_at > {{ high_water_mark() }}
        {%- endset -%}
    {%- else -%}
        {%- set query -%}
            with source_days as (
                select day, count(*) as row_count from {{ source('objectiv', 'data') }}
                where day is not null group by day
            ),
            staged_days as (
                select day, count(*) as row_count from {{ this }}
                where day is not null group by day
            )
            select cast(source_days.day as {{ dbt.type_string() }})
            from source_days
            left join staged_days
                on source_days.day = staged_days.day
            where source_days.row_count > coalesce(staged_days.row_count, 0)
        {%- endset -%}
    {%- endif -%}
    {{ return(run_query(query).columns[0].values() | sort) }}
{%- endmacro %}


{#- A list of days (late_source_days) as a SQL list of date literals, for `day in (...)`. -#}
{% macro date_list(days) -%}
    ({% for day in days %}cast('{{ day }}' as date){{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}
