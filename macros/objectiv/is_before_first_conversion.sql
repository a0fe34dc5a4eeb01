{#- On int_conversion_events rows: the hit belongs to a partition ('session' or 'user') that converts and
    comes before its first conversion (the model hub's conversions_counter >= 1 and conversions_in_time = 0).
    Hits at the moment of the first conversion are not included: their conversions_in_time is already 1. -#}
{% macro is_before_first_conversion(partition='session') -%}
    (conversions_counter_{{ partition }} >= 1 and conversions_in_time_{{ partition }} = 0)
{%- endmacro %}
