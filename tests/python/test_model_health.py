"""Model-health checks fire past their limits, stay quiet within them, and say their numbers."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import project_settings
from shopper_propensity.propensity import model_health as health
from shopper_propensity.propensity.features import FeatureEncoder
from shopper_propensity.settings import HealthSettings

# the project's limits: validation ROC AUC 0.55, flagged share 0.5, base-rate factor 2, 100 positives, 1% unseen
LIMITS = project_settings(HealthSettings)


def _registry(dropped: dict[str, str] | None = None) -> pd.DataFrame:
    encoder = FeatureEncoder(("pages_viewed",), ("event_month",), ("children",), {"children": ["0", "1"]},
                             {"event_month": [3, 4]}, dropped or {})
    return pd.DataFrame({
        "model_name": ["logistic_regression", "xgboost"],
        "is_champion": [True, False],
        "threshold": [0.41, 0.026],
        "validation_roc_auc": [0.74, 0.51],
        "validation_flagged_share": [0.2, 0.97],
        "encoder_json": [json.dumps(encoder.to_dict())] * 2,
        "fit_rows": [5000, 5000],
    })


def _windows(validation_positives=120, test_positives=400) -> pd.DataFrame:
    return pd.DataFrame({"window_name": ["train", "validation", "test"], "rows": [5000, 1000, 1000],
                         "positives": [500, validation_positives, test_positives]})


def _checks(**options) -> pd.DataFrame:
    unseen = pd.DataFrame({"window_name": ["test", "test"], "feature": ["event_month", "children"],
                           "rows": [1000, 1000], "unseen_rows": [1000, 0]})
    return health.health_checks(options.get("registry", _registry()), options.get("windows", _windows()),
                                unseen, {"logistic_regression": 0.25, "xgboost": 0.99}, LIMITS)


def _fired(table: pd.DataFrame) -> dict[tuple[str, str], str]:
    return {(row.check_name, row.subject): row.message for row in table[table["is_fired"]].itertuples()}


def test_each_check_fires_past_its_limit_with_its_numbers():
    fired = _fired(_checks(registry=_registry({"prior_session_days": "constant: 0 in every row"}),
                           windows=_windows(validation_positives=40)))
    assert "xgboost validation ROC AUC 0.510 is below 0.55" in fired[("validation_auc_near_chance", "xgboost")]
    assert ("threshold 0.0260 flags 97.0% of validation sessions"
            in fired[("threshold_flags_too_many", "xgboost (validation)")])
    assert "flags 99.0% of test sessions" in fired[("threshold_flags_too_many", "xgboost (test)")]
    # test 0.40 vs train 0.10: ratio 4.00
    assert "ratio 4.00 (beyond the factor 2.0)" in fired[("base_rate_shift", "test vs train")]
    assert "prior_session_days (constant: 0 in every row)" in fired[("empty_or_constant_features", "training window")]
    assert "40 positives in 1,000 sessions (below the minimum 100)" in fired[("too_few_positives", "validation window")]
    assert "1,000 of 1,000 test rows (100.0%)" in fired[("unseen_levels", "event_month (test)")]
    assert all(message.startswith(f"{check}: ") for (check, _), message in fired.items())


def test_checks_within_their_limits_stay_quiet_but_are_reported():
    table = _checks(windows=_windows(validation_positives=110, test_positives=150))
    quiet = table[~table["is_fired"]].set_index(["check_name", "subject"])
    assert set(health.CHECKS) <= set(table["check_name"])
    assert quiet.loc[("validation_auc_near_chance", "logistic_regression"), "observed_value"] == 0.74
    assert quiet.loc[("base_rate_shift", "test vs train"), "observed_value"] == pytest.approx(1.5)
    assert quiet.loc[("empty_or_constant_features", "training window"), "observed_value"] == 0
    assert quiet.loc[("unseen_levels", "children (test)"), "observed_value"] == 0
    assert "within the limit" in quiet.loc[("threshold_flags_too_many", "logistic_regression (test)"), "message"]
