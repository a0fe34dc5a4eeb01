{#- Rank of a row by its unique_users, 1 = most users, for marts the model hub returns sorted (tables have
    no order). Ties are broken by the key columns in byte order (collate "C") so that every engine and
    database collation gives the same ranks. -#}
{% macro users_rank(keys, partition_by=[]) -%}
    cast(row_number() over (
        {%- if partition_by %}
        partition by {{ partition_by | join(', ') }}
        {%- endif %}
        order by unique_users desc
            {%- for key in keys %}, {{ key }} collate "C"{% endfor %}
    ) as integer)
{%- endmacro %}
