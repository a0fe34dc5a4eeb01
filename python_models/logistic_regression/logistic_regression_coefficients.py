"""Logistic regression (model-hub-semantics 6): scikit-learn's LogisticRegression fitted on the training frame.

X is logistic_regression_features pivoted to one column per feature (root location), y is
logistic_regression_labels. Rows are sorted by user_id and columns by feature name, so the fit is
reproducible (lbfgs is deterministic on the same matrix; random_state is fixed by the var anyway). Only the
small training frame (users x root locations) reaches pandas; the counting happened in SQL.
The result is one row per feature plus the intercept, which the SQL macro logistic_regression_score uses.
"""

from __future__ import annotations

import json

INTERCEPT = "(intercept)"


def training_frame(features, labels):
    """X (one row per user, one column per feature, sorted) and y in X's row order."""
    x = (features.pivot(index="user_id", columns="feature", values="feature_value")
         .fillna(0).sort_index(axis=0).sort_index(axis=1).astype("float64"))
    y = labels.set_index("user_id")["actual_label"].reindex(x.index).astype(bool)
    return x, y


def model(dbt, session):
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    dbt.config(materialized="table")
    params = json.loads(dbt.config.get("params"))
    x, y = training_frame(dbt.ref("logistic_regression_features").df(), dbt.ref("logistic_regression_labels").df())
    if y.nunique() < 2:  # thin data must not fail the build: no coefficients, and a warning that says why
        warn(f"logistic_regression_coefficients: not fitted, the table is empty: the target needs both classes "
             f"among the training users, got {len(y)} users with {sorted(set(y.tolist())) or 'no'} labels "
             f"(too little data, or check the logistic_regression_target_* vars)")
        return pd.DataFrame({"feature": pd.Series([], dtype="string"), "is_intercept": pd.Series([], dtype="bool"),
                             "coefficient": pd.Series([], dtype="float64")})
    fitted = LogisticRegression(**params).fit(x.to_numpy(), y.to_numpy())
    return pd.DataFrame({
        "feature": pd.Series([*x.columns, INTERCEPT], dtype="string"),
        "is_intercept": [False] * x.shape[1] + [True],
        "coefficient": [*fitted.coef_[0].tolist(), float(fitted.intercept_[0])],
    })


def warn(message: str) -> None:
    """A warning line in dbt's output (the model runs inside the dbt process)."""
    from dbt_common.events.base_types import EventLevel
    from dbt_common.events.functions import fire_event
    from dbt_common.events.types import Note

    fire_event(Note(msg=message), level=EventLevel.WARN)
