{#- The start of the fixed-size bucket holding a timestamp, buckets aligned to the Unix epoch (UTC):
    floor(seconds since 1970-01-01 / size) * size, as a timestamp. Both engines bin with an explicit
    origin, so 5-minute buckets start at :00, :05, ... and daily ones at midnight UTC, also before 1970. -#}
{% macro epoch_bucket_start(timestamp, seconds) -%}
    {{ return(adapter.dispatch('epoch_bucket_start', 'objectiv_analytics')(timestamp, seconds)) }}
{%- endmacro %}

{% macro default__epoch_bucket_start(timestamp, seconds) -%}
    date_bin(interval '{{ seconds }} seconds', {{ timestamp }}, timestamp '1970-01-01 00:00:00')
{%- endmacro %}

{% macro duckdb__epoch_bucket_start(timestamp, seconds) -%}
    time_bucket(interval '{{ seconds }} seconds', {{ timestamp }}, timestamp '1970-01-01 00:00:00')
{%- endmacro %}
