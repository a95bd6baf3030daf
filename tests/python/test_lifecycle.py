"""The model lifecycle: each rule of the retraining policy (pure functions), the history of
versions, and a stored version read back as the registry the build that trained it returned."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from shopper_propensity.propensity import lifecycle
from shopper_propensity.propensity.lifecycle import Decision, LifecycleError, Realized, RetrainLimits

SETTINGS = {"propensity_target": "converted", "primary_domain": "amazon.com", "train_end": "2023-01-01"}
LIMITS = RetrainLimits(max_age_days=30, performance_drop=0.05)
RUN_DATE = date(2023, 6, 1)


def _current(trained_at: str = "2023-05-20", **settings) -> dict:
    return {"model_version_id": "v1", "trained_at": trained_at, "training_settings": {**SETTINGS, **settings},
            "train_end": "2023-01-01", "data_fingerprint": "rows-of-v1"}


def _realized(value: float, validation: float = 0.80) -> Realized:
    return Realized("roc_auc", value, validation, 5_000, 400, date(2023, 5, 4), date(2023, 5, 31))


def _never_called():
    raise AssertionError("the performance was measured although an earlier rule decided")


def _decide(policy, current, realized=_never_called, settings=SETTINGS, run_date=RUN_DATE,
            fingerprint=lambda: "rows-of-v1") -> Decision:
    return lifecycle.decide(policy, current, run_date, settings, LIMITS, fingerprint, realized)


def test_never_keeps_the_version_and_fails_without_one_or_on_changed_vars():
    # however old, and whatever the data: never is never
    decision = _decide("never", _current(trained_at="2020-01-01"), fingerprint=_never_called)
    assert not decision.train and decision.rule == "kept"
    with pytest.raises(LifecycleError, match="no model version to keep"):
        _decide("never", None)
    with pytest.raises(LifecycleError, match=r"train_end '2023-01-01' -> '2023-03-01'"):
        _decide("never", _current(), settings={**SETTINGS, "train_end": "2023-03-01"})


def test_always_trains():
    assert _decide("always", _current()) == Decision(True, "always", "retrain_policy always: a new version every "
                                                                      "run date")
    assert _decide("always", None).train


def test_auto_trains_when_there_is_no_model():
    assert _decide("auto", None).rule == "no_model"


def test_auto_trains_when_the_training_vars_changed():
    decision = _decide("auto", _current(), settings={**SETTINGS, "primary_domain": "ebay.com"})
    assert decision.train and decision.rule == "settings_changed"
    assert "primary_domain 'amazon.com' -> 'ebay.com'" in decision.detail


def test_auto_trains_when_the_training_rows_changed():
    decision = _decide("auto", _current(), fingerprint=lambda: "rows-with-late-arrivals")
    assert decision.train and decision.rule == "data_changed"


def test_auto_trains_when_the_version_is_too_old():
    decision = _decide("auto", _current(trained_at="2023-05-01"))  # 31 days before the run date
    assert decision.train and decision.rule == "max_age" and "31 days old" in decision.detail
    # 30 days is not more than 30: the next rule decides
    assert not _decide("auto", _current(trained_at="2023-05-02"), realized=lambda: _realized(0.80)).train


def test_auto_trains_when_the_realized_performance_drops_past_the_margin():
    decision = _decide("auto", _current(), realized=lambda: _realized(0.70))
    assert decision.train and decision.rule == "performance_drop"
    assert "realized roc_auc 0.7000" in decision.detail and "0.8000 on validation" in decision.detail
    kept = _decide("auto", _current(), realized=lambda: _realized(0.76))  # a drop of 0.04 is within 0.05
    assert not kept.train and kept.rule == "kept" and "realized roc_auc 0.7600" in kept.detail


def test_auto_keeps_the_version_when_no_rule_fires_or_labels_are_too_few():
    assert not _decide("auto", _current(), realized=lambda: _realized(0.82)).train
    decision = _decide("auto", _current(), realized=lambda: None)
    assert not decision.train and "too few labelled sessions" in decision.detail


def test_an_unknown_policy_or_metric_is_rejected():
    with pytest.raises(LifecycleError, match="retrain_policy must be one of"):
        _decide("sometimes", _current())
    with pytest.raises(LifecycleError, match="retrain_performance_metric"):
        lifecycle.realized_performance(np.array([0, 1]), np.array([0.1, 0.9]), pd.Series([RUN_DATE] * 2), "f1",
                                       0.8, 1)


def test_realized_performance_needs_enough_positives_and_both_classes():
    labels = np.array([1, 0, 1, 0, 0, 1])
    scores = np.array([0.9, 0.2, 0.8, 0.3, 0.1, 0.4])
    dates = pd.Series(pd.to_datetime(["2023-05-01", "2023-05-02", "2023-05-03", "2023-05-04", "2023-05-05",
                                      "2023-05-06"]))
    realized = lifecycle.realized_performance(labels, scores, dates, "roc_auc", 0.8, min_positives=3)
    assert realized == Realized("roc_auc", 1.0, 0.8, 6, 3, date(2023, 5, 1), date(2023, 5, 6))
    assert lifecycle.realized_performance(labels, scores, dates, "pr_auc", 0.8, min_positives=3).realized == 1.0
    assert lifecycle.realized_performance(labels, scores, dates, "roc_auc", 0.8, min_positives=4) is None
    assert lifecycle.realized_performance(np.ones(6), scores, dates, "roc_auc", 0.8, min_positives=1) is None


def test_the_monitoring_window_starts_after_training():
    assert lifecycle.monitor_window(_current(), RUN_DATE, 28) == (date(2023, 5, 4), RUN_DATE)
    assert lifecycle.monitor_window(_current(), date(2023, 1, 10), 28) == (date(2023, 1, 1), date(2023, 1, 10))


def test_the_history_is_appended_once_per_version_and_read_oldest_first(tmp_path):
    first = {"model_version_id": "a", "trained_at": "2023-05-01"}
    assert lifecycle.append_version(tmp_path, first)
    assert lifecycle.append_version(tmp_path, {"model_version_id": "b", "trained_at": "2023-06-01"})
    assert not lifecycle.append_version(tmp_path, first)  # the same version built again
    assert [row["model_version_id"] for row in lifecycle.read_history(tmp_path)] == ["a", "b"]
    path = lifecycle.history_path(tmp_path)
    path.write_text(path.read_text() + "{not json\n")
    with pytest.raises(LifecycleError, match="line 3 is not a JSON object"):
        lifecycle.read_history(tmp_path)


def test_the_fingerprint_follows_the_rows():
    frame = pd.DataFrame({"pseudo_session_id": ["a", "b"], "pages_viewed": [1, 2]})
    assert lifecycle.data_fingerprint(frame) == lifecycle.data_fingerprint(frame.copy())
    assert lifecycle.data_fingerprint(frame) != lifecycle.data_fingerprint(frame.assign(pages_viewed=[1, 3]))
