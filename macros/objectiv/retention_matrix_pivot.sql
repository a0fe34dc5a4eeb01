{#- The retention matrix as the model hub shows it: one row per cohort (oldest first), columns cohort,
    _0, _1, ..., _<max_periods - 1> holding the users (or with percentage=true the percentage of the
    cohort) active k periods after their first event; NULL where no user of the cohort was active.
    A select statement on the retention_matrix mart, for an analysis or
    `dbt show --inline "{{ retention_matrix_pivot('weekly') }}"`. -#}
{% macro retention_matrix_pivot(time_period='monthly', max_periods=12, percentage=false) -%}
    {%- do retention_grain(time_period) -%}
    {%- if max_periods is not number or max_periods < 1 -%}
        {{ exceptions.raise_compiler_error(
            "retention_matrix_pivot: max_periods must be a positive number, got: " ~ max_periods) }}
    {%- endif -%}
    {%- set cell = 'percentage' if percentage else 'users' -%}
select
    cohort,
    {%- for period_number in range(max_periods) %}
    max(case when period_number = {{ period_number }} then {{ cell }} end) as _{{ period_number }}
    {{- ',' if not loop.last }}
    {%- endfor %}
from {{ ref('retention_matrix') }}
where time_period = '{{ time_period }}'
group by cohort
order by cohort
{%- endmacro %}
