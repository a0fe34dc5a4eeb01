{#- Fails (or warns, with severity: warn) with the number of rows the model has. Used to report quarantined events. -#}
{% test has_no_rows(model) %}
select * from {{ model }}
{% endtest %}
