"""Funnel discovery: how often each navigation path occurs (the counts behind the model hub's Sankey
diagram, FunnelDiscovery.plot_sankey_diagram), with a rank, computed in DuckDB from funnel_paths."""

from __future__ import annotations


def top_paths_sql(paths: str, steps: list[str]) -> str:
    # rank as the reference sorts value_counts: most paths first, ties by the steps in descending order
    # (NULLs first, as PostgreSQL sorts them descending); text in byte order on every engine
    tie_break = ", ".join(f"{step} desc nulls first" for step in steps)
    return f"""
    with counted as (
        select
            {", ".join(steps)},
            count(*) as paths
        from ({paths}) as funnel_paths
        group by {", ".join(steps)}
    )

    select
        {", ".join(steps)},
        cast(paths as bigint) as paths,
        cast(row_number() over (order by paths desc, {tie_break}) as integer) as rank
    from counted
    """


def model(dbt, session):
    dbt.config(materialized="table")
    paths = dbt.ref("funnel_paths")
    steps = [column for column in paths.columns if column.startswith("step_")]  # step_1 .. step_N, in order
    return session.sql(top_paths_sql(paths.sql_query(), steps))
