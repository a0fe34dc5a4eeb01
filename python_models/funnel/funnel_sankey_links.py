"""Funnel discovery: the Sankey diagram's links (FunnelDiscovery.plot_sankey_diagram without a top-n limit):
for each pair of consecutive steps (step_k, step_k+1) of a path, both not NULL, the number of paths, summed
per (source, target). Computed in DuckDB from funnel_top_paths (one row per distinct path)."""

from __future__ import annotations


def links_sql(top_paths: str, steps: list[str]) -> str:
    pairs = "\n        union all\n".join(
        f"""        select {source} as source, {target} as target, paths
        from ({top_paths}) as funnel_top_paths
        where {source} is not null and {target} is not null"""
        for source, target in zip(steps, steps[1:]))
    if not pairs:  # funnel_steps = 1: a path has no links
        pairs = "        select cast(null as varchar) as source, cast(null as varchar) as target, 0 as paths where false"
    return f"""
    with pairs as (
{pairs}
    )

    select
        source,
        target,
        cast(sum(paths) as bigint) as value
    from pairs
    group by source, target
    """


def model(dbt, session):
    dbt.config(materialized="table")
    top_paths = dbt.ref("funnel_top_paths")
    steps = [column for column in top_paths.columns if column.startswith("step_")]  # step_1 .. step_N, in order
    return session.sql(links_sql(top_paths.sql_query(), steps))
