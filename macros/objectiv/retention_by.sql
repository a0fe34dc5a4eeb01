{#- A retention table in long format (cohort, period_number, users, cohort_users, percentage) as one select on
    a relation of events (user_id, moment), with the variants product tools offer beyond the model hub's
    retention_matrix: a start event and a return event (SQL conditions), returns "on" period k or "on or
    after" it (unbounded), and 24-hour or calendar periods. Cohort = the period of the user's first start
    event; a return counts from that moment on. With both conditions null, returns='on' and the model hub's
    boundaries (daily 24h, else calendar) it is the retention_matrix. -#}
{% macro retention_by(relation, time_period='monthly', returns='on', boundaries=none, start_where=none, return_where=none) -%}
    {%- set grain = retention_grain(time_period) -%}
    {%- set boundaries = boundaries or ('24h' if time_period == 'daily' else 'calendar') -%}
    {%- if returns not in ['on', 'on_or_after'] -%}
        {{ exceptions.raise_compiler_error("retention_by: returns must be 'on' or 'on_or_after', got: " ~ returns) }}
    {%- endif -%}
    {%- if boundaries not in ['24h', 'calendar'] or (boundaries == '24h' and time_period not in ['daily', 'weekly']) -%}
        {{ exceptions.raise_compiler_error("retention_by: boundaries must be 'calendar', or '24h' for daily and weekly periods, got: " ~ boundaries ~ " for " ~ time_period) }}
    {%- endif -%}
    {%- set starts -%}
        (
            select
                user_id,
                min(moment) as first_at,
                {{ period_label('min(moment)', grain) }} as cohort
            from {{ relation }}
            where user_id is not null
                {%- if start_where %} and ({{ start_where }}){% endif %}
            group by user_id
        ) as starts
    {%- endset -%}
    {#- a calendar day overlaps at most two 24-hour periods: its first and last return moment (from the start
        on) give every period number of the day -#}
    {%- set returned -%}
        (
            select starts.user_id, starts.cohort, {{ retention_period('starts.first_at', 'returned_on', time_period, boundaries) }} as period_number
            from (
                select
                    user_id,
                    min(moment) as day_first_at,
                    max(moment) as day_last_at
                from {{ relation }}
                where user_id is not null
                    {%- if return_where %} and ({{ return_where }}){% endif %}
                group by user_id, date_trunc('day', moment)
            ) as return_days
            inner join {{ starts }}
                on return_days.user_id = starts.user_id
            cross join lateral (
                values (greatest(return_days.day_first_at, starts.first_at)), (return_days.day_last_at)
            ) as moments (returned_on)
            where return_days.day_last_at >= starts.first_at
        ) as returned
    {%- endset -%}
    select
        '{{ time_period }}' as time_period,
        '{{ returns }}' as returns,
        '{{ boundaries }}' as boundaries,
        cells.cohort,
        cast(cells.period_number as integer) as period_number,
        cast(cells.users as integer) as users,
        cast(cohorts.cohort_users as integer) as cohort_users,
        cast(cells.users as double precision) * 100 / cohorts.cohort_users as percentage
    from (
        {%- if returns == 'on' %}
        select
            cohort,
            period_number,
            count(distinct user_id) as users
        from {{ returned }}
        group by cohort, period_number
        {%- else %}
        -- returned in period k or later: every k up to the user's last return
        select
            last_returns.cohort,
            numbers.period_number,
            count(*) as users
        from (
            select
                cohort,
                user_id,
                max(period_number) as last_period
            from {{ returned }}
            group by cohort, user_id
        ) as last_returns
        cross join lateral generate_series(0, last_returns.last_period) as numbers (period_number)
        group by last_returns.cohort, numbers.period_number
        {%- endif %}
    ) as cells
    inner join (
        select
            cohort,
            count(*) as cohort_users
        from {{ starts }}
        group by cohort
    ) as cohorts
        on cells.cohort = cohorts.cohort
{%- endmacro %}


{#- Period number of a return at `moment` for a user first seen at `first_at`: the model hub's
    (retention_period_number) with calendar boundaries, except daily, whose model hub rule is 24-hour periods;
    '24h' counts whole 24-hour (daily) or 7 x 24-hour (weekly) periods, 'calendar' calendar days or weeks. -#}
{% macro retention_period(first_at, moment, time_period, boundaries) -%}
    {%- if time_period == 'daily' and boundaries == 'calendar' -%}
    cast(cast(date_trunc('day', {{ moment }}) as date) - cast(date_trunc('day', {{ first_at }}) as date) as integer)
    {%- elif time_period == 'weekly' and boundaries == '24h' -%}
    cast(floor({{ seconds_between(first_at, moment) }} / 604800) as integer)
    {%- else -%}
    {{ retention_period_number(first_at, moment, time_period) }}
    {%- endif -%}
{%- endmacro %}
