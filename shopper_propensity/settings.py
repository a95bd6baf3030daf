"""The settings of each family of dbt Python models, built from the model's config ``meta``.

The values live once, as vars in dbt_project.yml; each family's YAML (python_models/*/_*.yml)
maps them into ``meta`` with ``"{{ var('...') }}"``, and a Python model reads the whole mapping
with one literal call::

    settings = PropensitySettings.from_meta(dbt.config.get("meta"))

(dbt ships a Python model only the config keys it finds in literal ``dbt.config.get(...)`` /
``dbt.config.meta_get(...)`` calls; ``get("meta")`` is the whole meta mapping.) A field is named
as its var, has no default here, and a missing or malformed value fails naming the var.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Self


class SettingsError(ValueError):
    """A setting is missing from the model's meta or cannot be read as its type."""


def _is_unset(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "null"))


def _as_bool(name: str, value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise SettingsError(f"var {name} must be true or false, got {value!r}")


def _as_domains(value) -> tuple[str, ...]:
    """A list of domains, or comma-separated text (how a list var arrives from --vars)."""
    items = value.split(",") if isinstance(value, str) else value
    return tuple(item.strip() for item in items if item.strip())


_KIND_NAMES = {int: "an integer", float: "a number", date: "a date (YYYY-MM-DD)", str: "text"}


def _coerce(name: str, kind, value):
    """value read as kind (the field's type; `X | None` allows an unset value)."""
    if isinstance(kind, types.UnionType):
        if _is_unset(value):
            return None
        (kind,) = [option for option in typing.get_args(kind) if option is not type(None)]
    if kind is bool:
        return _as_bool(name, value)
    if kind == tuple[str, ...]:
        return _as_domains(value)
    try:
        if kind is date:
            return value if isinstance(value, date) else date.fromisoformat(str(value).strip())
        return kind(value)
    except (TypeError, ValueError) as error:
        raise SettingsError(f"var {name} must be {_KIND_NAMES.get(kind, kind.__name__)}, got {value!r}") from error


class _FromMeta:
    @classmethod
    def from_meta(cls, meta: Mapping | None) -> Self:
        """The settings from a model's config meta (keys = dbt var names)."""
        meta = meta or {}
        names = [field.name for field in fields(cls)]
        missing = [name for name in names if name not in meta]
        if missing:
            raise SettingsError(
                f"{cls.__name__} needs {missing} in the model's config meta: map each var there in the "
                "model's YAML (python_models/*/_*__models.yml), e.g. primary_domain: \"{{ var('primary_domain') }}\""
            )
        hints = typing.get_type_hints(cls)
        return cls(**{name: _coerce(name, hints[name], meta[name]) for name in names})


@dataclass(frozen=True)
class PropensitySettings(_FromMeta):
    """Session propensity (python_models/propensity): training, champion, scoring, importance."""

    panel_has_sessions: bool
    propensity_target: str
    primary_domain: str
    train_end: date
    validation_months: int
    max_train_rows: int
    propensity_seed: int
    propensity_tune_trials: int
    propensity_champion: str | None
    artifact_dir: str
    scoring_batch_rows: int
    importance_max_rows: int
    # the lifecycle (propensity.lifecycle): when a build trains a version, how scoring catches up
    run_date: date | None
    retrain_policy: str
    retrain_max_age_days: int
    retrain_performance_drop: float
    retrain_performance_metric: str
    retrain_monitor_days: int
    health_min_positives_per_window: int
    incremental_lookback_days: int
    incremental_rebuild_from: date | None


@dataclass(frozen=True)
class HealthSettings(_FromMeta):
    """Model health (model_health): the windows checked and the limits the checks fire at."""

    panel_has_sessions: bool
    primary_domain: str
    train_end: date
    validation_months: int
    health_min_validation_roc_auc: float
    health_max_flagged_share: float
    health_max_base_rate_ratio: float
    health_min_positives_per_window: int
    health_max_unseen_level_share: float


@dataclass(frozen=True)
class PersonaSettings(_FromMeta):
    """k-means personas (python_models/personas)."""

    panel_has_sessions: bool
    segment_domains: tuple[str, ...]
    segment_k: int | None
    segment_k_min: int
    segment_k_max: int
    segment_seed: int
    segment_silhouette_sample: int
    segment_with_demographics: bool

    @property
    def k_values(self) -> range:
        return range(self.segment_k_min, self.segment_k_max + 1)


@dataclass(frozen=True)
class CampaignSettings(_FromMeta):
    """The two-stage campaign model (python_models/campaign, document 004)."""

    campaign_inactive_cut: float
    campaign_splc_tau: float
    campaign_splc_warmup_rounds: int
    campaign_target_share: float | None
    campaign_seed: int


@dataclass(frozen=True)
class RepeatSettings(_FromMeta):
    """Repeat purchase and customer value (python_models/repeat, issue 20)."""

    primary_domain: str
    repeat_horizon_days: int
    repeat_max_train_rows: int
    repeat_seed: int
    repeat_champion: str | None
    artifact_dir: str


@dataclass(frozen=True)
class MonitoringSettings(_FromMeta):
    """Monitoring marts (python_models/monitoring): where the model versions keep the numeric
    features' bins, the training sample they come from for a version that does not (as the
    registry drew it), the limits the monitoring alerts fire at, and the dates an incremental run
    counts again (as the SQL layer rebuilds them)."""

    artifact_dir: str
    panel_has_sessions: bool
    primary_domain: str
    max_train_rows: int
    propensity_seed: int
    monitoring_max_psi: float
    monitoring_min_rows: int
    monitoring_max_roc_auc_drop: float
    monitoring_min_positives: int
    incremental_lookback_days: int
    incremental_rebuild_from: date | None
