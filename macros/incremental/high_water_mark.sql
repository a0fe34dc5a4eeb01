{#- The newest value of a column in this incremental model, as a SQL timestamp literal (read once when the
    model runs, so every reference in the model and its hooks sees the same value, and PostgreSQL plans
    with a constant). Not incremental, or an empty table: a time before any data. -#}
{% macro high_water_mark(column='dbt_updated_at', where=none) -%}
    {%- set fallback = "cast('1900-01-01 00:00:00' as timestamp)" -%}
    {%- if not (execute and is_incremental()) -%}
        {{ return(fallback) }}
    {%- endif -%}
    {%- set query -%}
        select cast(max({{ column }}) as {{ dbt.type_string() }}) from {{ this }}
        {%- if where %} where {{ where }}{% endif %}
    {%- endset -%}
    {%- set newest = run_query(query).columns[0].values()[0] -%}
    {{ return(fallback if newest is none else "cast('" ~ newest ~ "' as timestamp)") }}
{%- endmacro %}


{#- When this dbt invocation started (UTC), the same value for every model of the run: written to
    dbt_updated_at, it tells the next models which rows this run (re)computed. -#}
{% macro run_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}


{#- NULL-safe membership: column is one of the keys of a CTE (a NULL column matches a NULL key). Used for
    the touched-user sets, where anonymized users share the NULL user. -#}
{% macro in_keys(column, keys_cte, key) -%}
    ({{ column }} in (select {{ key }} from {{ keys_cte }} where {{ key }} is not null)
        or ({{ column }} is null and exists (select 1 from {{ keys_cte }} where {{ key }} is null)))
{%- endmacro %}


{#- PostgreSQL indexes for an incremental model (the config `indexes`): the keys its runs delete and look up
    by. DuckDB needs none (and its indexes slow bulk deletes). -#}
{% macro postgres_indexes(columns) -%}
    {%- if target.type != 'postgres' -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set indexes = [] -%}
    {%- for column in columns -%}
        {%- do indexes.append({'columns': [column]}) -%}
    {%- endfor -%}
    {{ return(indexes) }}
{%- endmacro %}


{#- CTEs `changed_events` (rows of `upstream` (re)computed since this model's last run) and `touched_users`:
    their users now, and the users this model had for those events (an event can move to another user when
    its cookie is identified). -#}
{% macro touched_users_since_last_run(upstream) -%}
changed_events as (
    select event_id, user_id
    from {{ upstream }}
    where dbt_updated_at > {{ high_water_mark() }}
),

touched_users as (
    select user_id from changed_events
    union
    select previous.user_id
    from {{ this }} as previous
    inner join changed_events
        on previous.event_id = changed_events.event_id
)
{%- endmacro %}


{#- Post-hook of an incremental model: deletes its rows whose key no longer occurs in `upstream` (after an
    incremental run only; a full build has none). -#}
{% macro delete_rows_missing_from(upstream, key) -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as stale
    where not exists (
        select 1 from {{ upstream }} as upstream
        where upstream.{{ key }} = stale.{{ key }}
    )
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
