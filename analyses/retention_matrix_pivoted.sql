{#- The retention matrix as the model hub shows it (one row per cohort, columns _0 .. _11): compile with
    `dbt compile --select retention_matrix_pivoted`, or run another variant directly, e.g.
    `dbt show --inline "{{ retention_matrix_pivot('weekly', max_periods=8, percentage=true) }}"`. -#}
{{ retention_matrix_pivot(time_period='monthly', max_periods=12, percentage=false) }}
