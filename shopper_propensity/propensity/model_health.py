"""Model-health checks: the propensity models say when they are weak (model_health mart).

Each check compares one observed number with a limit (vars health_*) and yields one row per
subject (a model, a window, a feature) with a sentence that names the check and its numbers.
A fired check is a warning, not a failure: the dbt tests on model_health warn by default and
error with var model_health_severity = error.
"""

from __future__ import annotations

import logging

import pandas as pd
import pyarrow as pa

from shopper_propensity.model_inputs import orders_only_table, require_rows
from shopper_propensity.propensity.features import FeatureEncoder
from shopper_propensity.propensity.registry import encoder_from_json
from shopper_propensity.propensity.splits import SplitWindows, registry_windows, window_filter, window_predicates
from shopper_propensity.settings import HealthSettings

CHECKS = (
    "validation_auc_near_chance", "threshold_flags_too_many", "base_rate_shift",
    "empty_or_constant_features", "too_few_positives", "unseen_levels",
)

log = logging.getLogger(__name__)


def _row(check: str, subject: str, observed, limit, fired: bool, message: str) -> dict:
    return {"check_name": check, "subject": subject,
            "observed_value": None if observed is None else float(observed),
            "limit_value": float(limit), "is_fired": bool(fired), "message": f"{check}: {message}"}


def auc_checks(registry: pd.DataFrame, settings: HealthSettings) -> list[dict]:
    """A candidate whose validation ROC AUC is near 0.5 ranks validation sessions at chance."""
    limit = settings.health_min_validation_roc_auc
    rows = []
    for model in registry.itertuples():
        auc = None if pd.isna(model.validation_roc_auc) else float(model.validation_roc_auc)
        fired = auc is None or auc < limit
        shown = "undefined" if auc is None else f"{auc:.3f}"
        message = (f"{model.model_name} validation ROC AUC {shown} is below {limit:.2f}: near chance, validation "
                   "cannot tell its good scores from bad" if fired
                   else f"{model.model_name} validation ROC AUC {shown} (limit {limit:.2f})")
        rows.append(_row("validation_auc_near_chance", model.model_name, auc, limit, fired, message))
    return rows


def flagged_share_checks(registry: pd.DataFrame, test_flagged: dict[str, float],
                         settings: HealthSettings) -> list[dict]:
    """A tuned threshold that flags most sessions is no decision at all ("flag everyone")."""
    limit = settings.health_max_flagged_share
    rows = []
    for model in registry.itertuples():
        shares = (("validation", model.validation_flagged_share), ("test", test_flagged.get(model.model_name)))
        for window, share in shares:
            if share is None or pd.isna(share):
                continue
            fired = share > limit
            rows.append(_row("threshold_flags_too_many", f"{model.model_name} ({window})", share, limit, fired,
                             f"{model.model_name} tuned threshold {model.threshold:.4f} flags {share:.1%} of "
                             f"{window} sessions ({'more than' if fired else 'within'} the limit {limit:.0%})"))
    return rows


def base_rate_checks(windows: pd.DataFrame, settings: HealthSettings) -> list[dict]:
    """Base rates of the primary domain's windows that differ by more than a factor: the
    threshold and the champion were chosen on a window unlike the one they serve."""
    limit = settings.health_max_base_rate_ratio
    rates = {row.window_name: row.positives / row.rows for row in windows.itertuples() if row.rows}
    rows = []
    for later, earlier in (("validation", "train"), ("test", "train"), ("test", "validation")):
        if later not in rates or earlier not in rates:
            continue
        low, high = sorted((rates[later], rates[earlier]))
        ratio = high / low if low > 0 else float("inf")
        fired = ratio > limit
        rows.append(_row("base_rate_shift", f"{later} vs {earlier}", ratio, limit, fired,
                         f"{later} base rate {rates[later]:.4f} vs {earlier} {rates[earlier]:.4f}, ratio "
                         f"{ratio:.2f} ({'beyond' if fired else 'within'} the factor {limit:.1f})"))
    return rows


def dropped_feature_checks(encoder: FeatureEncoder, fit_rows: int) -> list[dict]:
    """Features empty or constant in the training window (dropped by the encoder)."""
    dropped = encoder.dropped
    named = "; ".join(f"{feature} ({reason})" for feature, reason in dropped.items())
    message = (f"{len(dropped)} feature(s) empty or constant in the training window ({fit_rows:,} rows), dropped: "
               f"{named}" if dropped else f"no feature empty or constant in the training window ({fit_rows:,} rows)")
    return [_row("empty_or_constant_features", "training window", len(dropped), 0, bool(dropped), message)]


def positives_checks(windows: pd.DataFrame, settings: HealthSettings) -> list[dict]:
    """Too few positives in a window make its thresholds, metrics and selection noise."""
    limit = settings.health_min_positives_per_window
    rows = []
    for row in windows.itertuples():
        fired = row.positives < limit
        rows.append(_row("too_few_positives", f"{row.window_name} window", row.positives, limit, fired,
                         f"{row.window_name} window: {row.positives:,} positives in {row.rows:,} sessions "
                         f"({'below' if fired else 'at or above'} the minimum {limit:,})"))
    return rows


def unseen_level_checks(unseen: pd.DataFrame, settings: HealthSettings) -> list[dict]:
    """Rows whose categorical level or calendar value never occurred in the training window."""
    limit = settings.health_max_unseen_level_share
    rows = []
    for row in unseen.itertuples():
        share = row.unseen_rows / row.rows if row.rows else 0.0
        fired = share > limit
        rows.append(_row("unseen_levels", f"{row.feature} ({row.window_name})", share, limit, fired,
                         f"{row.feature}: {row.unseen_rows:,} of {row.rows:,} {row.window_name} rows ({share:.1%}) "
                         f"have a value never seen in training ({'beyond' if fired else 'within'} the limit "
                         f"{limit:.1%})"))
    return rows


HEALTH_SCHEMA = pa.schema([
    ("check_name", pa.string()), ("subject", pa.string()), ("observed_value", pa.float64()),
    ("limit_value", pa.float64()), ("is_fired", pa.bool_()), ("message", pa.string()),
])


def health_table(registry_relation, metrics_relation, features_relation,
                 settings: HealthSettings) -> pd.DataFrame | pa.Table:
    """model_health: every check, on the registry, the tuned test metrics of propensity_model_metrics
    and the counts of session_features in the windows the registry was fitted on."""
    if not settings.panel_has_sessions:
        return orders_only_table(HEALTH_SCHEMA)
    registry = registry_relation.project(
        "model_name, is_champion, threshold, validation_roc_auc, validation_flagged_share, "
        "encoder_json, fit_rows, target, primary_domain, validation_start, train_end").df()
    require_rows(registry, "propensity_model_registry")
    windows = registry_windows(registry, SplitWindows.from_vars(settings.train_end, settings.validation_months),
                               settings.primary_domain)
    test_flagged = dict(
        metrics_relation
        .filter("split = 'test' and threshold_kind = 'tuned' and "
                + window_filter(settings.primary_domain, None, None))
        .project("model_name, predicted_positives / rows").fetchall()
    )
    encoder = encoder_from_json(registry["encoder_json"].iloc[0])
    predicates = window_predicates(settings.primary_domain, windows)
    return health_checks(
        registry,
        window_counts(features_relation, registry["target"].iloc[0], predicates),
        unseen_level_counts(features_relation, encoder, {k: predicates[k] for k in ("validation", "test")}),
        test_flagged,
        settings,
    )


def health_checks(registry: pd.DataFrame, windows: pd.DataFrame, unseen: pd.DataFrame,
                  test_flagged: dict[str, float], settings: HealthSettings) -> pd.DataFrame:
    """Every check, one row per check and subject, in CHECKS order."""
    encoder = encoder_from_json(registry["encoder_json"].iloc[0])
    fit_rows = int(registry["fit_rows"].max())
    rows = [*auc_checks(registry, settings), *flagged_share_checks(registry, test_flagged, settings),
            *base_rate_checks(windows, settings), *dropped_feature_checks(encoder, fit_rows),
            *positives_checks(windows, settings), *unseen_level_checks(unseen, settings)]
    table = pd.DataFrame(rows)
    for row in table[table["is_fired"]].itertuples():
        log.warning("model_health %s", row.message)
    return table


# ---------------------------------------------------------------------------------------------
# Inputs read from the warehouse (DuckDB relations)
# ---------------------------------------------------------------------------------------------


def window_counts(features_relation, target: str, predicates: dict[str, str]) -> pd.DataFrame:
    """Sessions and positives of the target per window (window name -> SQL predicate)."""
    rows = []
    for window, predicate in predicates.items():
        counts = features_relation.filter(predicate).aggregate(
            f"count(*) as sessions, count(case when {target} then 1 end) as positives").fetchall()[0]
        rows.append({"window_name": window, "rows": int(counts[0]), "positives": int(counts[1])})
    return pd.DataFrame(rows)


def unseen_level_counts(features_relation, encoder: FeatureEncoder, predicates: dict[str, str]) -> pd.DataFrame:
    """Per categorical and calendar feature and window: rows, and rows with a value the
    training window never had (from grouped counts, not row by row)."""
    rows = []
    for window, predicate in predicates.items():
        selected = features_relation.filter(predicate)
        for feature in (*encoder.calendar, *encoder.categorical):
            counts = selected.aggregate(f"{feature} as value, count(*) as n", feature).df()
            value_counts = pd.Series(counts["n"].to_numpy(), index=pd.Index(counts["value"]))
            rows.append({"window_name": window, "feature": feature, "rows": int(counts["n"].sum()),
                         "unseen_rows": encoder.unseen_level_rows(feature, value_counts)})
    return pd.DataFrame(rows, columns=["window_name", "feature", "rows", "unseen_rows"])
