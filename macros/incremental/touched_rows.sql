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


{#- NULL-safe membership: column is one of the keys of a CTE (a NULL column matches a NULL key). Used for
    the touched-user sets, where anonymized users share the NULL user. NULL is compared as '' (never a user
    id: cookies are uuids, identities '<value>|<id>'), which keeps it one hashed semi-join for the planner. -#}
{% macro in_keys(column, keys_cte, key) -%}
    coalesce({{ column }}, '') in (select coalesce({{ key }}, '') from {{ keys_cte }})
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


{#- The periods (grain day: the values of day_column itself; else date_trunc(grain, day_column)) holding a
    row of `relation` (re)computed since this model's last run, as a select of one column period_start. -#}
{% macro changed_periods(relation, day_column, grain='day') -%}
    select distinct {{ period_start(day_column, grain) }} as period_start
    from {{ relation }}
    where dbt_updated_at > {{ high_water_mark() }}
{%- endmacro %}


{#- The rows of `relation` whose period (of day_column, see changed_periods) holds a row changed since this
    model's last run, as a select: what a model aggregating per period computes again, whole. Not
    incremental: every row. -#}
{% macro rows_of_changed_periods(relation, day_column, grain='month') -%}
    select * from {{ relation }}
    {%- if is_incremental() %}
    where {{ period_start(day_column, grain) }} in (
        {{ changed_periods(relation, day_column, grain) }}
    )
    {%- endif %}
{%- endmacro %}


{% macro period_start(day_column, grain) -%}
    {{ day_column if grain == 'day' else "date_trunc('" ~ grain ~ "', " ~ day_column ~ ")" }}
{%- endmacro %}


{#- The per-period marts' input, shaped like events for the aggregate macros: the rows of int_session_days
    in the months holding a day changed since this model's last run (every row on a full build), each as
    an event (session_id, user_id, moment) at each of `ends`. Its first moment alone is exact for distinct
    users and sessions per day or month; both ends for session_spans: a session's span in a period of
    whole days is max(last_at) - min(first_at) over its days in it. -#}
{% macro session_day_moments(ends=['first_at', 'last_at']) -%}
    {%- for end in ends %}
    select session_id, user_id, {{ end }} as moment
    from ({{ rows_of_changed_periods(ref('int_session_days'), 'active_day') }}) as session_days
    {{- '\n    union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
