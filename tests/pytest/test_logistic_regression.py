"""Logistic regression (python_models/logistic_regression, models/ml, model-hub-semantics 6), on both engines.

The parity data set is built by dbt (PostgreSQL: the SQL models by dbt-postgres, then the Python model and
what depends on it by the postgres_python target). The training frame is recomputed here in pandas from
reference.py's events (never read from the dbt tables), scikit-learn is fitted directly on it, and:
- logistic_regression_features / _labels equal that frame and target exactly;
- the stored coefficients equal sklearn's within 1e-9;
- the SQL scores (macro logistic_regression_score) equal sklearn's predict_proba within 1e-9, also when the
  macro runs natively on PostgreSQL and on hand-made rows (overflow guard);
- the metrics equal sklearn.metrics on predict_proba.
For the default vars and for a run with a conversion target and non-default LogisticRegression parameters
(the tables are rebuilt with default vars afterwards).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score

from objectiv_dbt.settings import PROJECT_DIR, project_vars
from test_funnels import is_conversion, python_model_types_match, python_models_dbt

TOLERANCE = 1e-9
INTERCEPT = "(intercept)"
DEFAULTS = {key: value for key, value in project_vars().items() if key.startswith("logistic_regression_")}
VARIANT = {
    "logistic_regression_target_conversion": "github_press",
    "logistic_regression_params": {"fit_intercept": False, "C": 0.5, "l1_ratio": 0.0, "solver": "lbfgs",
                                   "max_iter": 500, "tol": 1e-6, "class_weight": "balanced", "random_state": 7},
}


# --- the definitions in pandas ---------------------------------------------------------------------------

def expected_frame(parity_expected: dict, options: dict) -> tuple[pd.DataFrame, pd.Series]:
    """X (users x root locations, counts of events of the event type, sorted) and y, from reference events."""
    events = parity_expected["sessionized"]  # reference events with their (cookie) user
    event_type, conversion = options["logistic_regression_event_type"], options["logistic_regression_target_conversion"]
    target_root = None if conversion else options["logistic_regression_target_root_location"]
    presses = events[events["stack_event_types"].map(lambda types: event_type in types)
                     & events["user_id"].notna() & events["root_location"].notna()]
    counts = presses.groupby(["user_id", "root_location"]).size().unstack(fill_value=0)
    x = counts.drop(columns=[target_root] if target_root else []).sort_index(axis=0).sort_index(axis=1).astype("float64")
    if conversion:
        converted = set(events.loc[is_conversion(events), "user_id"])
    else:
        converted = set(presses.loc[presses["root_location"] == target_root, "user_id"])
    y = pd.Series([user in converted for user in x.index], index=x.index)
    return x, y


def fitted(x: pd.DataFrame, y: pd.Series, options: dict) -> LogisticRegression:
    return LogisticRegression(**options["logistic_regression_params"]).fit(x.to_numpy(), y.to_numpy())


def close(got: float, wanted: float) -> bool:
    return abs(got - wanted) <= TOLERANCE


# --- builds -------------------------------------------------------------------------------------------------

def build_regression(warehouse, vars: dict | None = None, command: str = "run") -> None:
    """The SQL inputs on the warehouse's own target, then the Python model and what depends on it."""
    if warehouse.engine == "duckdb":
        warehouse.dbt(command, "--select", "logistic_regression_features+", vars=vars)
        return
    warehouse.dbt(command, "--select", "logistic_regression_features logistic_regression_labels", vars=vars)
    python_models_dbt(warehouse, command, "--select", "path:python_models/logistic_regression+", vars=vars)


def built_tables(warehouse) -> dict:
    return {name: warehouse.query(f"select * from {{schema}}.{name}") for name in (
        "logistic_regression_features", "logistic_regression_labels", "logistic_regression_coefficients",
        "logistic_regression_scores", "logistic_regression_metrics")}


@pytest.fixture(scope="module")
def regression_runs(parity_build):
    """The tables for the default vars (PostgreSQL: the Python part built now) and for VARIANT; the warehouse
    is rebuilt with default vars at the end."""
    if parity_build.engine == "postgres":
        python_models_dbt(parity_build, "build", "--select", "path:python_models/logistic_regression+")
    runs = {"default": built_tables(parity_build)}
    try:
        build_regression(parity_build, VARIANT)
        runs["variant"] = built_tables(parity_build)
    finally:
        build_regression(parity_build)
    return runs


RUNS = {"default": DEFAULTS, "variant": {**DEFAULTS, **VARIANT}}


@pytest.mark.parametrize("run", RUNS)
def test_features_and_labels_equal_reference(regression_runs, parity_expected, run):
    x, y = expected_frame(parity_expected, RUNS[run])
    assert x.shape[0] > 100 and x.shape[1] > 3, "many users and several root locations"
    assert 10 < y.sum() < len(y) - 10, "both classes well represented"
    features = regression_runs[run]["logistic_regression_features"]
    got_x = (features.assign(user_id=features["user_id"].map(str))
             .pivot(index="user_id", columns="feature", values="feature_value")
             .sort_index(axis=0).sort_index(axis=1).astype("float64"))
    assert len(features) == x.shape[0] * x.shape[1], "one row per user and feature, zeros included"
    pd.testing.assert_frame_equal(got_x, x, check_names=False)
    labels = regression_runs[run]["logistic_regression_labels"]
    got_y = labels.assign(user_id=labels["user_id"].map(str)).set_index("user_id")["actual_label"].astype(bool)
    assert got_y.sort_index().to_dict() == y.to_dict()


@pytest.mark.parametrize("run", RUNS)
def test_coefficients_equal_sklearn(regression_runs, parity_expected, run):
    options = RUNS[run]
    x, y = expected_frame(parity_expected, options)
    model = fitted(x, y, options)
    coefficients = regression_runs[run]["logistic_regression_coefficients"]
    got = dict(zip(coefficients["feature"], coefficients["coefficient"]))
    assert list(coefficients.loc[coefficients["is_intercept"], "feature"]) == [INTERCEPT]
    wanted = {**dict(zip(x.columns, model.coef_[0])), INTERCEPT: float(model.intercept_[0])}
    assert got.keys() == wanted.keys()
    assert all(close(got[name], wanted[name]) for name in wanted), (got, wanted)
    if not options["logistic_regression_params"]["fit_intercept"]:
        assert got[INTERCEPT] == 0
    assert max(abs(value) for value in wanted.values()) > 0.01, "a model that learned something"


@pytest.mark.parametrize("run", RUNS)
def test_sql_scores_equal_predict_proba(regression_runs, parity_expected, run):
    options = RUNS[run]
    x, y = expected_frame(parity_expected, options)
    probability = pd.Series(fitted(x, y, options).predict_proba(x.to_numpy())[:, 1], index=x.index)
    scores = regression_runs[run]["logistic_regression_scores"]
    scores = scores.assign(user_id=scores["user_id"].map(str)).set_index("user_id").sort_index()
    assert list(scores.index) == list(x.index)
    differences = (scores["probability"].astype(float) - probability).abs()
    assert differences.max() <= TOLERANCE, differences.max()
    assert (scores["predicted_label"].astype(bool) == (scores["probability"] > 0.5)).all()
    assert scores["actual_label"].astype(bool).to_dict() == y.to_dict()
    assert 0 < scores["predicted_label"].sum() < len(scores), "both labels predicted"


@pytest.mark.parametrize("run", RUNS)
def test_metrics_equal_sklearn(regression_runs, parity_expected, run):
    options = RUNS[run]
    x, y = expected_frame(parity_expected, options)
    probability = fitted(x, y, options).predict_proba(x.to_numpy())[:, 1]
    metrics = regression_runs[run]["logistic_regression_metrics"].iloc[0]
    conversion = options["logistic_regression_target_conversion"]
    assert metrics["target"] == (f"conversion {conversion}" if conversion
                                 else f"root_location {options['logistic_regression_target_root_location']}")
    assert (metrics["n_users"], metrics["positives"], metrics["predicted_positives"]) == (
        len(y), int(y.sum()), int((probability > 0.5).sum()))
    assert close(metrics["accuracy"], float(((probability > 0.5) == y.to_numpy()).mean()))
    assert close(metrics["log_loss"], log_loss(y, probability))
    assert close(metrics["roc_auc"], roc_auc_score(y, probability))


def test_regression_column_types(regression_runs, parity_build):
    for name in ("logistic_regression_coefficients", "logistic_regression_metrics"):
        python_model_types_match(parity_build, PROJECT_DIR / "python_models" / "logistic_regression" / f"{name}.yml")


# --- the scoring macro run natively on the warehouse's engine (PostgreSQL included) ---------------------------

def compiled_macro(warehouse, call: str) -> str:
    """SQL of a macro call, compiled by dbt for the warehouse's own target (dbt-postgres on PostgreSQL)."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "compile", "--inline", "{{ " + call + " }}", "--target",
         warehouse.engine, "--output", "json", "--quiet", "--log-path", str(warehouse.workdir / "logs"),
         "--target-path", str(warehouse.workdir / "target_compile")],
        cwd=PROJECT_DIR, env=warehouse.env(), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return json.loads(result.stdout[result.stdout.index("{"):])["compiled"]


def test_score_macro_natively_equals_predict_proba(regression_runs, parity_build, parity_expected):
    x, y = expected_frame(parity_expected, DEFAULTS)
    probability = pd.Series(fitted(x, y, DEFAULTS).predict_proba(x.to_numpy())[:, 1], index=x.index)
    schema = parity_build.models_schema
    sql = compiled_macro(parity_build, f"logistic_regression_score('{schema}.logistic_regression_features', "
                                       f"'{schema}.logistic_regression_coefficients')")
    got = parity_build.query(sql)
    got = got.assign(user_id=got["user_id"].map(str)).set_index("user_id")["probability"].astype(float).sort_index()
    assert list(got.index) == list(x.index)
    assert (got - probability).abs().max() <= TOLERANCE


def test_score_macro_by_hand_on_engine(parity_build):
    """z = intercept + sum(coefficient * value): 0 -> 0.5; 1 -> 1 / (1 + e^-1); unknown features ignored; z far
    outside [-700, 700] is clamped, so neither engine overflows (PostgreSQL would raise an error)."""
    features = ("(select * from (values ('u1', 'docs', 1), ('u2', 'docs', 3), ('u2', 'home', 2), ('u3', 'blog', 5), "
                "('u4', 'docs', 800), ('u5', 'home', 2000)) as rows (user_id, feature, feature_value))")
    coefficients = ("(select * from (values ('docs', false, 1.0), ('home', false, -0.5), ('(intercept)', true, -1.0)) "
                    "as rows (feature, is_intercept, coefficient))")
    got = parity_build.query(compiled_macro(parity_build, f'logistic_regression_score("{features}", "{coefficients}")'))
    got = dict(zip(got["user_id"], got["probability"].astype(float)))
    wanted = {"u1": 0.5, "u2": 1 / (1 + math.exp(-1)), "u3": 1 / (1 + math.exp(1)), "u4": 1.0,
              "u5": 1 / (1 + math.exp(700))}
    assert got.keys() == wanted.keys()
    assert all(math.isclose(got[user], wanted[user], rel_tol=1e-12, abs_tol=0) for user in wanted), got
    assert np.isfinite(list(got.values())).all()


def test_vars_reach_the_python_model_config():
    """The Python models read vars only through their YAML config: every var of the group is wired there."""
    configs = {}
    for path in (PROJECT_DIR / "python_models").rglob("*.yml"):
        for model in yaml.safe_load(path.read_text())["models"]:
            configs.update(model.get("config", {}))
    wired = " ".join(str(value) for value in configs.values())
    for var in project_vars():
        # funnel_conversion_* are vars of the SQL mart funnel_conversion, not of the Python funnel models
        python_funnel_var = var.startswith("funnel_") and not var.startswith("funnel_conversion_")
        if python_funnel_var or var in ("logistic_regression_params", "logistic_regression_target_conversion",
                                                "logistic_regression_target_root_location"):
            assert f"var('{var}')" in wired, var
