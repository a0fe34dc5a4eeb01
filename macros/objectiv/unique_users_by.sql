{#- The model hub's unique_users(data, groupby=keys) (model-hub-semantics 4) as a select on a relation or
    CTE: count(distinct user_id) per group of the key columns, as integer. NULL users are not counted; NULL
    keys form groups of their own, as in a SQL group by (filter them before, where a rule drops them). -#}
{% macro unique_users_by(relation, keys) -%}
    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        cast(count(distinct user_id) as integer) as unique_users
    from {{ relation }}
    group by {{ keys | join(', ') }}
{%- endmacro %}
