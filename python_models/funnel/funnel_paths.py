"""Funnel discovery: the navigation path of every event (model-hub-semantics 5, FunnelDiscovery.get_navigation_paths).

Per group (session or user, var funnel_partition) the events are ordered by (moment, location, event_id)
and each event gets the locations of the next `funnel_steps` events (step_1 .. step_N, NULL past the end),
or with funnel_start_from_end the locations of the events ending at it. The location is the nice name
feature_nice_name of `events`, or with var funnel_location set otherwise the column `location` of the view
int_funnel_located_events (a slice of the stack needs macros, which Python models cannot call). Everything
runs as one SQL statement in DuckDB (window functions over that relation): on the duckdb target on the local
file, on the postgres_python target on the PostgreSQL tables and view dbt-postgres built. No event is pulled
into pandas.

Incremental (README, "Scheduled runs"): a run recomputes whole every group holding an event that `events`
changed after the newest dbt_updated_at here. Each changed event that no longer starts a path gets a marker row
(NULL path_number), so that delete+insert on event_id removes its old path; the post-hook deletes the markers.

Vars arrive through the YAML config (JSON text, see funnel_paths.yml).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import NamedTuple

PARTITIONS = ("session", "user")
WHOLE_STACK = "feature_nice_name"  # var funnel_location's default: read `events` itself


class FunnelSettings(NamedTuple):  # not a dataclass: dbt runs the file as a module missing from sys.modules
    steps: int
    partition: str
    location: str | dict
    event_type: str | None
    start_from_end: bool
    conversion: str | None
    n_examples: int | None

    @property
    def located(self) -> bool:
        """Read int_funnel_located_events (column `location`) instead of `events` (feature_nice_name)."""
        return self.location != WHOLE_STACK

    @property
    def location_column(self) -> str:
        return "location" if self.located else WHOLE_STACK

    def validate(self, conversion_names: list[str]) -> None:
        problems = []
        if not isinstance(self.steps, int) or isinstance(self.steps, bool) or self.steps < 1:
            problems.append(f"funnel_steps must be a positive integer, got {self.steps!r}")
        if self.partition not in PARTITIONS:
            problems.append(f"funnel_partition must be one of {PARTITIONS}, got {self.partition!r}")
        if not isinstance(self.location, (str, dict)):  # int_funnel_located_events checks the rest
            problems.append(f"funnel_location must be an events column or a stack slice, got {self.location!r}")
        if self.event_type is not None and not isinstance(self.event_type, str):
            problems.append(f"funnel_event_type must be an event type name or null, got {self.event_type!r}")
        if not isinstance(self.start_from_end, bool):
            problems.append(f"funnel_start_from_end must be true or false, got {self.start_from_end!r}")
        if self.conversion is not None and self.conversion not in conversion_names:
            problems.append(f"funnel_only_converted_paths must name a conversion of var 'conversions' "
                            f"({', '.join(conversion_names)}) or be null, got {self.conversion!r}")
        if self.n_examples is not None and (not isinstance(self.n_examples, int) or isinstance(self.n_examples, bool)
                                            or self.n_examples < 1):
            problems.append(f"funnel_n_examples must be a positive integer or null, got {self.n_examples!r}")
        if problems:
            raise ValueError("funnel_paths: " + "; ".join(problems))


def config_value(text: str | None):
    """A var the YAML config passed as JSON text (tojson of the var, see funnel_paths.yml)."""
    return None if text is None else json.loads(text)


def step_columns(settings: FunnelSettings) -> list[str]:
    """step_k: the k-th location of the path. Forward the event itself is step 1 and step k is the event k - 1
    places later; from the end the event is step N and step k is the event N - k places earlier."""
    columns = []
    for step in range(1, settings.steps + 1):
        distance = settings.steps - step if settings.start_from_end else step - 1
        direction = "lag" if settings.start_from_end else "lead"
        columns.append(("nice_name" if distance == 0 else f"{direction}(nice_name, {distance}) over path_order")
                       + f" as step_{step}")
        if settings.conversion:
            columns.append(("is_conversion_event" if distance == 0
                            else f"{direction}(is_conversion_event, {distance}) over path_order")
                           + f" as is_conversion_{step}")
    return columns


def paths_sql(settings: FunnelSettings, events: str, conversion_events: str, incremental: bool = False) -> str:
    """One row per path, from the SQL of the upstream relations (`events` or int_funnel_located_events,
    `int_conversion_events`).
    incremental: only the groups of events changed after $changed_after, plus a marker row (NULL
    path_number) for each changed event without a path."""
    steps = range(1, settings.steps + 1)
    conversion_join = f"""
        left join ({conversion_events}) as conversion_events
            on events.event_id = conversion_events.event_id
            and conversion_events.conversion_name = $conversion""" if settings.conversion else ""
    # the path of the group's edge event (its last, or from the end its first) holds only that event;
    # the reference drops it unless it is the group's only event
    edge, other_edge = ("is_first", "is_last") if settings.start_from_end else ("is_last", "is_first")
    first_conversion = ("case " + " ".join(f"when is_conversion_{step} then {step}" for step in steps) + " end"
                        if settings.conversion else "null")
    # only_converted_paths: paths that reach the conversion after their first step, cut after it
    kept_steps = ", ".join(
        f"case when first_conversion_step >= {step} then step_{step} end as step_{step}" if settings.conversion
        else f"step_{step}" for step in steps)
    changed_groups = f"""
            and events.{settings.partition}_id in (select group_id from changed)""" if incremental else ""
    # a slice's nice name is a long expression that DuckDB would compute again for each read of the view and
    # inside the filters it pushes down into the collector table's scan: compute it once
    located = f"""
    located_events as materialized ({events}),
""" if settings.located else ""
    if settings.located:
        events = "select * from located_events"
    changed = f"""
    changed as (
        select event_id, {settings.partition}_id as group_id
        from ({events}) as events
        where dbt_updated_at > $changed_after
    ),
""" if incremental else ""
    return f"""
    with {located}
    version as (
        -- the newest version of `events` this run saw: the next run recomputes what changed after it
        select max(dbt_updated_at) as dbt_updated_at from ({events}) as events
    ),
{changed}

    filtered as (
        select
            events.{settings.partition}_id as group_id,
            events.event_id,
            events.moment,
            events.{settings.location_column} as nice_name,
            {"coalesce(conversion_events.is_conversion_event, false)" if settings.conversion else "false"}
                as is_conversion_event
        from ({events}) as events{conversion_join}
        where events.{settings.location_column} is not null
            and events.{settings.partition}_id is not null
            {"and list_contains(events.stack_event_types, $event_type)" if settings.event_type else ""}{changed_groups}
    ),

    stepped as (
        select
            group_id,
            event_id,
            row_number() over path_order - 1 as step_offset,
            -- nice names are never NULL here, so a missing neighbour marks the group's first or last event
            lag(nice_name) over path_order is null as is_first,
            lead(nice_name) over path_order is null as is_last,
            {", ".join(step_columns(settings))}
        from filtered
        -- one window for the numbering and every step, so DuckDB sorts the events once
        window path_order as (partition by group_id order by moment, nice_name, event_id)
    ),

    paths as (
        select
            group_id,
            event_id,
            step_offset,
            {", ".join(f"step_{step}" for step in steps)},
            cast({first_conversion} as integer) as first_conversion_step
        from stepped
        where not ({settings.steps} > 1 and {edge} and not {other_edge})
            {f"and step_offset < {settings.n_examples}" if settings.n_examples else ""}
    ),

    kept as (
        select
            cast(group_id as varchar) as group_id,
            event_id,
            cast(step_offset + 1 as integer) as path_number,
            {kept_steps},
            first_conversion_step
        from paths
        {"where first_conversion_step >= 2" if settings.conversion else ""}
    )

    select kept.*, version.dbt_updated_at
    from kept
    cross join version
    {removed_paths_sql(settings) if incremental else ""}
    """


def removed_paths_sql(settings: FunnelSettings) -> str:
    """Marker rows (NULL path_number) for the changed events that start no path now."""
    steps = ", ".join(f"null as step_{step}" for step in range(1, settings.steps + 1))
    return f"""
    union all
    select
        null as group_id,
        event_id,
        null as path_number,
        {steps},
        null as first_conversion_step,
        version.dbt_updated_at
    from changed
    cross join version
    where event_id not in (select event_id from kept)
    """


def model(dbt, session):
    settings = FunnelSettings(
        steps=config_value(dbt.config.get("steps")),
        partition=config_value(dbt.config.get("partition")),
        location=config_value(dbt.config.get("location")),
        event_type=config_value(dbt.config.get("event_type")),
        start_from_end=config_value(dbt.config.get("start_from_end")),
        conversion=config_value(dbt.config.get("only_converted_paths")),
        n_examples=config_value(dbt.config.get("n_examples")),
    )
    settings.validate(config_value(dbt.config.get("conversion_names")))

    events = dbt.ref("int_funnel_located_events") if settings.located else dbt.ref("events")
    conversion_events = dbt.ref("int_conversion_events")
    params = {key: value for key, value in
              (("event_type", settings.event_type), ("conversion", settings.conversion)) if value is not None}
    if dbt.is_incremental:
        newest = session.sql(f"select max(dbt_updated_at) from {dbt.this}").fetchone()[0]
        params["changed_after"] = newest or datetime(1900, 1, 1)  # an empty table: every event is new
    sql = paths_sql(settings, events.sql_query(), conversion_events.sql_query(), incremental=dbt.is_incremental)
    return session.sql(sql, params=params or None)
