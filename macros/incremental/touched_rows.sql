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
