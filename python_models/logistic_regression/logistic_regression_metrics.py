"""Logistic regression (model-hub-semantics 6): training metrics of the fitted model, from the per-user scores
the SQL macro logistic_regression_score computed (logistic_regression_scores, one small row per user)."""

from __future__ import annotations

import json


def model(dbt, session):
    import pandas as pd
    from sklearn.metrics import log_loss, roc_auc_score

    dbt.config(materialized="table")
    conversion = json.loads(dbt.config.get("target_conversion"))
    root_location = json.loads(dbt.config.get("target_root_location"))
    scores = dbt.ref("logistic_regression_scores").df().sort_values("user_id")
    actual = scores["actual_label"].to_numpy(dtype=bool)
    predicted = scores["predicted_label"].to_numpy(dtype=bool)
    probability = scores["probability"].to_numpy(dtype="float64")
    both_classes = 0 < actual.sum() < len(actual)
    if len(scores) == 0:  # thin data must not fail the build: one row of NULL metrics, and a warning
        warn("logistic_regression_metrics: no user was scored (logistic_regression_coefficients is empty or no "
             "user has features): the metrics are NULL")
    scored = len(scores) > 0
    return pd.DataFrame({
        "target": pd.Series([f"conversion {conversion}" if conversion else f"root_location {root_location}"],
                            dtype="string"),
        "n_users": pd.Series([len(scores)], dtype="int64"),
        "positives": pd.Series([int(actual.sum())], dtype="int64"),
        "predicted_positives": pd.Series([int(predicted.sum())], dtype="int64"),
        "accuracy": pd.Series([float((predicted == actual).mean()) if scored else None], dtype="Float64"),
        "log_loss": pd.Series([float(log_loss(actual, probability, labels=[False, True])) if scored else None],
                              dtype="Float64"),
        # the area under the ROC curve needs both classes
        "roc_auc": pd.Series([float(roc_auc_score(actual, probability)) if both_classes else None], dtype="Float64"),
    })


def warn(message: str) -> None:
    """A warning line in dbt's output (the model runs inside the dbt process)."""
    from dbt_common.events.base_types import EventLevel
    from dbt_common.events.functions import fire_event
    from dbt_common.events.types import Note

    fire_event(Note(msg=message), level=EventLevel.WARN)
