{#- The rows of a relation once per time grain, each with the grain's name (time_grain) and the period
    label of its timestamp column (period, see period_label), then the given columns: the body of a CTE
    that marts group by (time_grain, period, ...) to hold daily and monthly figures in one table. One scan:
    the rows are crossed with the list of grains. -#}
{% macro time_grain_buckets(relation, columns, timestamp='moment', grains=['day', 'month']) -%}
    select
        grains.time_grain,
        case grains.time_grain
            {%- for grain in grains %}
            when '{{ grain }}' then {{ period_label(timestamp, grain) }}
            {%- endfor %}
        end as period,
        {{ columns | join(', ') }}
    from {{ relation }}
    cross join (
        values {% for grain in grains %}('{{ grain }}'){{ ', ' if not loop.last }}{% endfor %}
    ) as grains (time_grain)
{%- endmacro %}
