{#- The model hub's aggregates with any groupby (model-hub-semantics 4) as select statements a model of your
    own calls: `by` lists time grains (hour, day, week, month, quarter, year: a text label of the event moment,
    as time_agg formats it) and events columns, e.g. by=['day', 'utm_source']; `where` is an optional SQL
    condition on the events; `relation` defaults to the events mart. NULL users or sessions are not counted;
    NULL keys form groups of their own. -#}
{% macro unique_users(by=['day'], where=none, relation=none) -%}
    {{ aggregate_by(by, 'cast(count(distinct user_id) as integer) as unique_users', where, relation) }}
{%- endmacro %}


{% macro unique_sessions(by=['day'], where=none, relation=none) -%}
    {{ aggregate_by(by, 'cast(count(distinct session_id) as integer) as unique_sessions', where, relation) }}
{%- endmacro %}


{#- Session duration in seconds per group: per (group, session) the span max(moment) - min(moment) of the
    session's events in the group (a session crossing two groups counts a part in each), bounces (span 0) left
    out unless exclude_bounces=false, then their mean (method='mean') or sum (method='sum'). -#}
{% macro session_duration(by=['day'], where=none, method='mean', exclude_bounces=true, relation=none) -%}
    {%- if method not in ['mean', 'sum'] -%}
        {{ exceptions.raise_compiler_error("session_duration: method must be 'mean' or 'sum', got: " ~ method) }}
    {%- endif -%}
    {%- set keys = aggregate_keys(by) -%}
    select
        {%- for key in keys %}
        {{ key.name }},
        {%- endfor %}
        cast({{ 'avg' if method == 'mean' else 'sum' }}(span_seconds) as double precision) as session_duration_seconds
    from (
        select
            {%- for key in keys %}
            {{ key.expression }} as {{ key.name }},
            {%- endfor %}
            {{ seconds_between('min(moment)', 'max(moment)') }} as span_seconds
        from {{ relation or ref('events') }}
        where session_id is not null
            {%- if where %} and ({{ where }}){% endif %}
        group by {% for key in keys %}{{ key.expression }}, {% endfor %}session_id
    ) as spans
    {%- if exclude_bounces %}
    where span_seconds > 0
    {%- endif %}
    {%- if keys %}
    group by {{ keys | map(attribute='name') | join(', ') }}
    {%- endif %}
{%- endmacro %}


{#- is_new_user for any grain (model-hub-semantics 3): true on every event of a user in each period of the grain
    that holds at least one event of the user's first session; an expression on the events mart (a window). -#}
{% macro is_new_user(grain='day') -%}
    (max(case when is_first_session then 1 else 0 end)
        over (partition by user_id, {{ grain_label('moment', grain) }}) = 1)
{%- endmacro %}


{#- select <keys>, <measure> from <relation> [where] group by <keys>. -#}
{% macro aggregate_by(by, measure, where=none, relation=none) -%}
    {%- set keys = aggregate_keys(by) -%}
    select
        {%- for key in keys %}
        {{ key.expression }} as {{ key.name }},
        {%- endfor %}
        {{ measure }}
    from {{ relation or ref('events') }}
    {%- if where %}
    where {{ where }}
    {%- endif %}
    {%- if keys %}
    group by {{ keys | map(attribute='expression') | join(', ') }}
    {%- endif %}
{%- endmacro %}


{#- The group keys of `by` as {name, expression}: a grain becomes the text label of moment, anything else must
    be a column name. -#}
{% macro aggregate_keys(by) -%}
    {%- set by = [by] if by is string else (by or []) -%}
    {%- set keys = [] -%}
    {%- for key in by -%}
        {%- if key in ['hour', 'day', 'week', 'month', 'quarter', 'year'] -%}
            {%- do keys.append({'name': key, 'expression': grain_label('moment', key)}) -%}
        {%- elif key is string and modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', key) -%}
            {%- do keys.append({'name': key, 'expression': key}) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error("by: each entry must be hour, day, week, month, quarter, year or a column name, got: " ~ key) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(keys) }}
{%- endmacro %}


{#- A timestamp's time bucket as text: period_label's day, week, month and year, and 'YYYY-MM-DD HH' (hour,
    the model hub's time_agg 'YYYY-MM-DD HH24') and 'YYYY-Qn' (quarter). -#}
{% macro grain_label(timestamp, grain) -%}
    {%- if grain == 'hour' -%}
    ({{ period_label(timestamp, 'day') }} || ' ' || lpad(cast(cast(extract(hour from {{ timestamp }}) as integer) as {{ dbt.type_string() }}), 2, '0'))
    {%- elif grain == 'quarter' -%}
    (cast(cast(extract(year from {{ timestamp }}) as integer) as {{ dbt.type_string() }}) || '-Q'
        || cast(cast(extract(quarter from {{ timestamp }}) as integer) as {{ dbt.type_string() }}))
    {%- else -%}
    {{ period_label(timestamp, grain) }}
    {%- endif -%}
{%- endmacro %}
