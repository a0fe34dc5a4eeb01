"""Conversion definitions with a global-context condition, matched at staging on the parity data set, equal to
the reference's matching of the raw events, on both engines. (The project's windowed conversion direct_purchase
is compared with the reference by every per-conversion parity suite; here only that its window matters.)"""

from __future__ import annotations

import pytest

from reference import CONVERSIONS as PROJECT_CONVERSIONS, is_conversion

CONVERSIONS = {
    "docs_press": {"event_type": "PressEvent", "global_contexts": {"_type": "ApplicationContext", "id": "objectiv-docs"}},
    "british_or_brazilian": {"global_contexts": [{"_type": "LocaleContext", "country_code": "GB"},
                                                 {"_type": "LocaleContext", "language_code": "pt"}]},
}


@pytest.fixture(scope="module")
def staged(new_warehouse, parity_expected):
    warehouse = new_warehouse()
    warehouse.load(parity_expected["path"])
    warehouse.dbt("run", "--select", "base_objectiv__events", vars={"conversions": CONVERSIONS})
    flags = ", ".join(f"is_{name}_conversion" for name in CONVERSIONS)
    return warehouse.query(f"select cast(event_id as text) as event_id, {flags} from {{schema}}.base_objectiv__events"
                           " where quarantine_reason is null")


@pytest.mark.parametrize("name", list(CONVERSIONS))
def test_global_context_conversions_equal_reference(staged, parity_expected, name):
    events = parity_expected["events"]
    wanted = dict(zip(events["event_id"].astype(str), is_conversion(events, CONVERSIONS[name])))
    got = dict(zip(staged["event_id"], staged[f"is_{name}_conversion"].astype(bool)))
    assert 100 < sum(wanted.values()) < len(wanted) / 2
    assert got == wanted


def test_direct_purchases_are_a_proper_subset_of_purchases(parity_expected):
    """The 48-hour window after a recommended press keeps some orders and drops others in the parity data."""
    events = parity_expected["sessionized"]
    direct = is_conversion(events, PROJECT_CONVERSIONS["direct_purchase"])
    purchases = is_conversion(events, PROJECT_CONVERSIONS["purchase"])
    assert (direct <= purchases).all() and 5 < direct.sum() < purchases.sum()
