{#- The metric columns of metric_buckets_5min, in table order: the fixed metrics, then per conversion
    definition (var 'conversions') <name>_conversions, <name>_converted_sessions and, when the definition
    names a value, <name>_conversion_value. The KPI marts unpivot exactly these columns. -#}
{% macro metric_bucket_columns() %}
    {%- set columns = ['events', 'interactive_events', 'sessions_started', 'bounced_sessions', 'session_seconds',
                       'new_users'] -%}
    {%- for name, definition in conversion_definitions().items() -%}
        {%- do columns.extend([name ~ '_conversions', name ~ '_converted_sessions']) -%}
        {%- if definition.get('value') -%}
            {%- do columns.append(name ~ '_conversion_value') -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(columns) }}
{% endmacro %}
