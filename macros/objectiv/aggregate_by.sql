{#- The model hub's aggregates with any groupby (model-hub-semantics 4) as select statements a model of your
    own calls: `by` lists time grains (hour, day, week, month, quarter, year: a text label of the event moment,
    as time_agg formats it) and events columns, e.g. by=['day', 'utm_source']; `where` is an optional SQL
    condition on the events; `relation` defaults to the events mart. `grains` (e.g. ['day', 'month']) gives
    the long format instead: one row per grain and period, in columns time_grain and period before the keys
    of `by`. NULL users or sessions are not counted; NULL keys form groups of their own. -#}
{% macro unique_users(by=['day'], where=none, relation=none, grains=none) -%}
    {{ aggregate_by(by, 'cast(count(distinct user_id) as integer) as unique_users', where, relation, grains, ['user_id']) }}
{%- endmacro %}


{% macro unique_sessions(by=['day'], where=none, relation=none, grains=none) -%}
    {{ aggregate_by(by, 'cast(count(distinct session_id) as integer) as unique_sessions', where, relation, grains, ['session_id']) }}
{%- endmacro %}


{#- Session duration in seconds per group (see session_spans), bounces (span 0) left out unless
    exclude_bounces=false, then their mean (method='mean') or sum (method='sum'). -#}
{% macro session_duration(by=['day'], where=none, method='mean', exclude_bounces=true, relation=none, grains=none) -%}
    {%- if method not in ['mean', 'sum'] -%}
        {{ exceptions.raise_compiler_error("session_duration: method must be 'mean' or 'sum', got: " ~ method) }}
    {%- endif -%}
    {%- set keys = aggregate_keys(by, grains) -%}
    select
        {%- for key in keys %}
        {{ key.name }},
        {%- endfor %}
        cast({{ 'avg' if method == 'mean' else 'sum' }}(span_seconds) as double precision) as session_duration_seconds
    from (
        {{ session_spans(by, where, relation, grains) }}
    ) as spans
    {%- if exclude_bounces %}
    where span_seconds > 0
    {%- endif %}
    {%- if keys %}
    group by {{ keys | map(attribute='name') | join(', ') }}
    {%- endif %}
{%- endmacro %}


{#- Per (group, session) the span max(moment) - min(moment) in seconds of the session's events in the group
    (a session crossing two groups counts a part in each; a bounce has span 0): the keys, session_id and
    span_seconds. The one definition of a span, for session_duration and the session_duration mart. -#}
{% macro session_spans(by=['day'], where=none, relation=none, grains=none) -%}
    {%- set keys = aggregate_keys(by, grains) -%}
    {%- set sessions = 'session_id is not null' ~ (' and (' ~ where ~ ')' if where else '') -%}
    select
        {%- for key in keys %}
        {{ key.expression }} as {{ key.name }},
        {%- endfor %}
        session_id,
        cast({{ seconds_between('min(first_at)', 'max(last_at)') }} as double precision) as span_seconds
    from {{ aggregate_rows(by, grains, sessions, relation, ['session_id'], ['min(moment) as first_at', 'max(moment) as last_at']) }}
    group by {% for key in keys %}{{ key.expression }}, {% endfor %}session_id
{%- endmacro %}


{#- is_new_user for any grain (model-hub-semantics 3): true on every event of a user in each period of the grain
    that holds at least one event of the user's first session; an expression on the events mart (a window). -#}
{% macro is_new_user(grain='day') -%}
    (max(case when is_first_session then 1 else 0 end)
        over (partition by user_id, {{ grain_label('moment', grain) }}) = 1)
{%- endmacro %}


{#- select <keys>, <measure> from aggregate_rows group by <keys>. The measure reads only `columns` (and the
    keys) and must not change on duplicate rows (count(distinct), min, max), as aggregate_rows dedupes. -#}
{% macro aggregate_by(by, measure, where=none, relation=none, grains=none, columns=[]) -%}
    {%- set keys = aggregate_keys(by, grains) -%}
    select
        {%- for key in keys %}
        {{ key.expression }} as {{ key.name }},
        {%- endfor %}
        {{ measure }}
    from {{ aggregate_rows(by, grains, where, relation, columns) }}
    {%- if keys %}
    group by {{ keys | map(attribute='expression') | join(', ') }}
    {%- endif %}
{%- endmacro %}


{#- The from clause of the aggregates: the relation's rows kept by `where`, reduced to distinct (moment
    truncated to the finest grain of by and grains (the hour, else the day), key columns, columns) with
    `measures` (aggregates) per such row, then crossed with the grains of the long format. The reduction is
    exact for distinct counts and spans, as every grain's period is a union of hours (of days, above hour),
    and much cheaper than labelling every event per grain. -#}
{% macro aggregate_rows(by, grains, where, relation, columns, measures=[]) -%}
    {%- set by = [by] if by is string else (by or []) -%}
    {%- set all_grains = (grains or []) + (by | select('in', grain_names()) | list) -%}
    {%- set grouped = [] -%}
    {%- for column in (by | reject('in', grain_names()) | list) + columns if column not in grouped -%}
        {%- do grouped.append(column) -%}
    {%- endfor -%}
    {%- if all_grains -%}
        {%- set truncated = "date_trunc('" ~ ('hour' if 'hour' in all_grains else 'day') ~ "', moment)" -%}
        {%- set selected = [truncated ~ ' as moment'] + grouped + measures -%}
        {%- set grouped = [truncated] + grouped -%}
    {%- else -%}
        {%- set selected = grouped + measures -%}
    {%- endif -%}
    (
        select
            {{ selected | join(',\n            ') }}
        from {{ relation or ref('events') }}
        {%- if where %}
        where {{ where }}
        {%- endif %}
        group by {{ grouped | join(', ') }}
    ) as reduced
    {%- if grains %}
    cross join (
        values {% for grain in grains %}('{{ grain }}'){{ ', ' if not loop.last }}{% endfor %}
    ) as grains (time_grain)
    {%- endif %}
{%- endmacro %}


{#- The group keys as {name, expression}: with grains, time_grain and period (the label of moment in the row's
    grain), then those of `by`, where a grain becomes the text label of moment and anything else must be a
    column name. -#}
{% macro aggregate_keys(by, grains=none) -%}
    {%- set by = [by] if by is string else (by or []) -%}
    {%- set keys = [] -%}
    {%- if grains -%}
        {%- for grain in grains if grain not in grain_names() -%}
            {{ exceptions.raise_compiler_error("grains: each entry must be hour, day, week, month, quarter or year, got: " ~ grain) }}
        {%- endfor -%}
        {%- set period -%}
        case grains.time_grain
            {%- for grain in grains %}
            when '{{ grain }}' then {{ grain_label('moment', grain) }}
            {%- endfor %}
        end
        {%- endset -%}
        {%- do keys.append({'name': 'time_grain', 'expression': 'grains.time_grain'}) -%}
        {%- do keys.append({'name': 'period', 'expression': period}) -%}
    {%- endif -%}
    {%- for key in by -%}
        {%- if key in grain_names() -%}
            {%- do keys.append({'name': key, 'expression': grain_label('moment', key)}) -%}
        {%- elif key is string and modules.re.match('^[A-Za-z_][A-Za-z0-9_]*$', key) -%}
            {%- do keys.append({'name': key, 'expression': key}) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error("by: each entry must be hour, day, week, month, quarter, year or a column name, got: " ~ key) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(keys) }}
{%- endmacro %}


{% macro grain_names() -%}
    {{ return(['hour', 'day', 'week', 'month', 'quarter', 'year']) }}
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
