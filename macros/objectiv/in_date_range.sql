{#- The date-range vars start_date / end_date (inclusive, on the event's day) as a condition; true without them. -#}
{% macro in_date_range(day) -%}
    true
    {%- if var('start_date') %} and {{ day }} >= cast('{{ var("start_date") }}' as date){% endif %}
    {%- if var('end_date') %} and {{ day }} <= cast('{{ var("end_date") }}' as date){% endif %}
{%- endmacro %}
