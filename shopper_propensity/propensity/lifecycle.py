"""The model lifecycle: when a build trains a new model version, and the history of versions.

The registry (propensity.registry) stores each training run as a version folder; this module
keeps their history and decides, build by build, whether to train:

    <artifact_dir>/propensity/history.jsonl    one line per version, oldest first, appended only

A line records the version's id, when it was trained (var run_date, a date the build is given
or derives from the data - never the wall clock, so a rebuild is byte-identical), the rule that
made the build train it, the training window and settings, a fingerprint of the training rows,
every candidate's validation metrics, the champion and the artifact folder. The current version
is the last line: scoring uses it until a build trains another.

var retrain_policy decides (`decide`, pure; the rules are tested one by one):

- ``never``: keep the current version; with no version, or with training vars that differ from
  the version's, fail and say so (scores would otherwise come from models the vars no longer
  describe).
- ``always``: train every build. The version id covers the run date, so each run date adds a
  version and a rebuild of the same run date is the same version.
- ``auto``: train when a rule fires, and name it: ``no_model`` (no version yet),
  ``settings_changed`` (the training vars differ from the current version's), ``data_changed``
  (the training rows those vars select have another fingerprint: late rows in the training
  window, another panel), ``max_age`` (the
  version is more than retrain_max_age_days old on the run date), ``performance_drop`` (on the
  last retrain_monitor_days of labelled primary-domain sessions since the version's train_end,
  the champion's realized retrain_performance_metric is more than retrain_performance_drop below
  its validation figure). Otherwise keep the version.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from shopper_propensity.metrics import ranking_metrics
from shopper_propensity.propensity.splits import PropensityInputError

logger = logging.getLogger(__name__)

HISTORY_FILE = "history.jsonl"
POLICIES = ("auto", "always", "never")
PERFORMANCE_METRICS = ("roc_auc", "pr_auc")
# The vars a version was trained with that scoring depends on: a change needs another version.
TRAINING_VARS = ("propensity_target", "primary_domain", "train_end", "validation_months", "max_train_rows",
                 "propensity_seed", "propensity_tune_trials", "propensity_champion")


class LifecycleError(PropensityInputError):
    """The retraining policy cannot give this build a model version; the message says why."""


@dataclass(frozen=True)
class Decision:
    """Whether this build trains a version, the rule that decided it and its numbers."""

    train: bool
    rule: str
    detail: str


@dataclass(frozen=True)
class Realized:
    """The current champion on labelled sessions since its training: what the drop rule compares."""

    metric: str
    realized: float
    validation: float
    rows: int
    positives: int
    first_date: date
    last_date: date


@dataclass(frozen=True)
class RetrainLimits:
    """The vars of the auto rules."""

    max_age_days: int
    performance_drop: float


def training_settings(settings) -> dict[str, str]:
    """The training vars of a PropensitySettings as text: what a version records and is compared on."""
    return {name: "" if getattr(settings, name) is None else str(getattr(settings, name)) for name in TRAINING_VARS}


def decide(policy: str, current: dict | None, run_date: date, settings_now: dict[str, str], limits: RetrainLimits,
           fingerprint: Callable[[], str], realized: Callable[[], Realized | None]) -> Decision:
    """Train or keep, by var retrain_policy (module docstring). `current` is the current history
    row (None: no version yet). Called only when the auto rules before them did not fire:
    `fingerprint` gives the data fingerprint of the training rows the vars select now, `realized`
    measures the current champion on recent labelled sessions (None: too few labels)."""
    if policy not in POLICIES:
        raise LifecycleError(f"var retrain_policy must be one of {POLICIES}, got {policy!r}")
    if policy == "always":
        return Decision(True, "always", "retrain_policy always: a new version every run date")
    if current is None:
        if policy == "never":
            raise LifecycleError(
                "retrain_policy never, but there is no model version to keep (no history in the artifact "
                "folder, var artifact_dir / env SHOPPER_ARTIFACT_DIR): run once with retrain_policy auto or always")
        return Decision(True, "no_model", "no model version yet")
    changed = {name: (current["training_settings"].get(name, ""), value)
               for name, value in settings_now.items() if current["training_settings"].get(name, "") != value}
    if changed:
        listed = "; ".join(f"{name} {old!r} -> {new!r}" for name, (old, new) in sorted(changed.items()))
        if policy == "never":
            raise LifecycleError(
                f"retrain_policy never keeps version {current['model_version_id']}, but the vars it was trained "
                f"with changed ({listed}): restore them, or run with retrain_policy auto or always to train a version "
                "with the new ones")
        return Decision(True, "settings_changed", f"training vars changed: {listed}")
    if policy == "never":
        return Decision(False, "kept", f"retrain_policy never: version {current['model_version_id']} kept")
    if fingerprint() != current["data_fingerprint"]:
        return Decision(True, "data_changed", f"the training rows differ from version {current['model_version_id']}'s "
                                              "(late rows in the training window, or another panel)")
    age = (run_date - date.fromisoformat(current["trained_at"])).days
    if age > limits.max_age_days:
        return Decision(True, "max_age", f"version {current['model_version_id']} is {age} days old on {run_date}, "
                                         f"more than retrain_max_age_days {limits.max_age_days}")
    performance = realized()
    if performance is None:
        return Decision(False, "kept", f"version {current['model_version_id']} is {age} days old; too few labelled "
                                       "sessions since its training to monitor its performance")
    figures = (f"realized {performance.metric} {performance.realized:.4f} on {performance.rows:,} sessions "
               f"({performance.positives:,} positive) from {performance.first_date} to {performance.last_date} vs "
               f"{performance.validation:.4f} on validation")
    if performance.validation - performance.realized > limits.performance_drop:
        return Decision(True, "performance_drop",
                        f"{figures}: fell by more than retrain_performance_drop {limits.performance_drop}")
    return Decision(False, "kept", f"version {current['model_version_id']} is {age} days old; {figures}")


def realized_performance(labels: np.ndarray, scores: np.ndarray, dates: pd.Series, metric: str, validation: float,
                         min_positives: int) -> Realized | None:
    """The champion's realized metric on labelled sessions; None with fewer than min_positives
    positives or no negatives (a figure on a handful of buyers would retrain on noise)."""
    if metric not in PERFORMANCE_METRICS:
        raise LifecycleError(f"var retrain_performance_metric must be one of {PERFORMANCE_METRICS}, got {metric!r}")
    positives = int(np.sum(labels))
    if positives < max(int(min_positives), 1) or positives == len(labels):
        return None
    return Realized(metric, float(ranking_metrics(labels, scores)[metric]), float(validation), int(len(labels)),
                    positives, pd.Timestamp(dates.min()).date(), pd.Timestamp(dates.max()).date())


def monitor_window(current: dict, run_date: date, monitor_days: int) -> tuple[date, date]:
    """[start, end) of the labelled sessions the drop rule scores: the last monitor_days before
    the run date, and none before the version's train_end (those trained or tuned it)."""
    return max(run_date - timedelta(days=int(monitor_days)), date.fromisoformat(current["train_end"])), run_date


def data_fingerprint(*frames: pd.DataFrame) -> str:
    """SHA-256 of training rows (values and column names, in the frames' order): two versions
    with the same fingerprint were fitted on the same rows."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(json.dumps(list(frame.columns)).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def history_path(artifact_dir: str | Path, family: str = "propensity") -> Path:
    return Path(artifact_dir) / family / HISTORY_FILE


def read_history(artifact_dir: str | Path) -> list[dict]:
    """The versions, oldest first ([] before the first training)."""
    path = history_path(artifact_dir)
    if not path.exists():
        return []
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise LifecycleError(f"{path} line {number} is not a JSON object ({error}): the file is appended "
                                     "by builds only; restore it from a backup") from error
    return rows


def append_version(artifact_dir: str | Path, row: dict) -> bool:
    """Append a version's line unless the history already has it (a rebuild of the same run:
    a version id is its content). True when appended."""
    if any(old["model_version_id"] == row["model_version_id"] for old in read_history(artifact_dir)):
        return False
    path = history_path(artifact_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as history:
        history.write(json.dumps(row, sort_keys=True, default=str) + "\n")
    return True


def history_row(manifest: dict, decision: Decision) -> dict:
    """A version's history line from its manifest (registry.save_version) and the decision that trained it."""
    champion = next(row for row in manifest["registry_rows"] if row["is_champion"])
    return {
        "model_version_id": manifest["version_id"],
        "trained_at": manifest["trained_at"],
        "retrain_rule": decision.rule,
        "retrain_detail": decision.detail,
        "target": manifest["target"],
        "primary_domain": manifest["primary_domain"],
        "training_first_date": manifest["training_dates"]["first"],
        "validation_start": manifest["validation_window"]["from"],
        "train_end": manifest["validation_window"]["before"],
        "fit_rows": manifest["fit_window"]["rows"],
        "validation_rows": manifest["validation_window"]["rows"],
        "validation_positives": manifest["validation_window"]["positives"],
        "data_fingerprint": manifest["data_fingerprint"],
        "training_settings": manifest["training_settings"],
        "champion": champion["model_name"],
        "candidates": [{name: row[name] for name in CANDIDATE_FIELDS} for row in manifest["registry_rows"]],
        "artifact_path": f"{manifest['family']}/{manifest['version_id']}",
    }


HISTORY_SCHEMA = pa.schema([
    ("model_version_id", pa.string()), ("version_number", pa.int64()), ("is_current_version", pa.bool_()),
    ("trained_at", pa.date32()), ("retrain_rule", pa.string()), ("retrain_detail", pa.string()),
    ("target", pa.string()), ("primary_domain", pa.string()), ("training_first_date", pa.date32()),
    ("validation_start", pa.date32()), ("train_end", pa.date32()), ("fit_rows", pa.int64()),
    ("validation_rows", pa.int64()), ("validation_positives", pa.int64()), ("data_fingerprint", pa.string()),
    ("artifact_path", pa.string()), ("model_name", pa.string()), ("is_champion", pa.bool_()),
    ("threshold", pa.float64()), ("validation_pr_auc", pa.float64()), ("validation_roc_auc", pa.float64()),
    ("validation_flagged_share", pa.float64()),
])
VERSION_DATES = ("trained_at", "training_first_date", "validation_start", "train_end")
CANDIDATE_FIELDS = ("model_name", "is_champion", "threshold", "validation_pr_auc", "validation_roc_auc",
                    "validation_flagged_share")


def versions_table(history: list[dict], current_version_id: str | None) -> pa.Table:
    """The history as rows of (version, candidate), oldest version first: what
    propensity_model_versions serves. The last version is the current one, and must be the one
    the registry of this build holds (current_version_id; None on an orders-only panel)."""
    if current_version_id is None:
        return HISTORY_SCHEMA.empty_table()
    if not history or history[-1]["model_version_id"] != current_version_id:
        raise LifecycleError(
            f"propensity_model_registry holds version {current_version_id}, but the last version of the history "
            f"is {history[-1]['model_version_id'] if history else 'none'}: another build with the same artifact "
            "folder ran in between, or this one trained again an older version (retrain_policy always with a past "
            "run_date); rebuild: dbt build --select propensity_model_registry+")
    rows = []
    for number, version in enumerate(history, start=1):
        for candidate in version["candidates"]:
            rows.append({
                **{field.name: version.get(field.name) for field in HISTORY_SCHEMA},
                **{name: date.fromisoformat(version[name]) for name in VERSION_DATES},
                "version_number": number,
                "is_current_version": number == len(history),
                **{name: candidate[name] for name in CANDIDATE_FIELDS},
            })
    return pa.Table.from_pylist(rows, schema=HISTORY_SCHEMA)


def history_table(registry_relation, artifact_dir: str | Path) -> pa.Table:
    """propensity_model_history: versions_table of the artifact folder's history, checked against
    the registry this build holds (no rows on an orders-only panel, whose registry is empty)."""
    registry = registry_relation.df()
    return versions_table(read_history(artifact_dir), None if registry.empty else registry["model_version_id"].iloc[0])
