{#- The final select of an incremental model whose CTE `recomputed` holds the rows it computed again: on an
    incremental run only the keys whose row differs from the stored one (or is new), so that rows computed
    again to the same values keep their dbt_updated_at and the models downstream do not redo them (a new
    event recomputes all of its user's events, but changes only a few). Compared on every column but
    dbt_updated_at; EXCEPT treats NULLs as equal. -#}
{% macro changed_rows_only(recomputed, key) -%}
select * from {{ recomputed }}
{%- if is_incremental() %}
{%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name')
    | reject('equalto', 'dbt_updated_at') | join(', ') %}
where {{ key }} in (
    select {{ key }} from (
        select {{ columns }} from {{ recomputed }}
        except
        select {{ columns }} from {{ this }}
        where {{ key }} in (select {{ key }} from {{ recomputed }})
    ) as changed
)
{%- endif %}
{%- endmacro %}
