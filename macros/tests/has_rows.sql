{#- Fails (or warns, with severity: warn) when the model has no rows, with one row holding `why`: what an empty
    model means (thin data, e.g. no user of the target class). Used as a warning so that a build on thin data
    stays green but says so. -#}
{% test has_rows(model, why) %}
select '{{ why | replace("'", "''") }}' as why
where not exists (select 1 from {{ model }})
{% endtest %}
