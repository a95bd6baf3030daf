"""Monitoring of the champion propensity model in operation (document 000 §9.3): population
stability of its features and score per week and domain, and its realized ranking quality once
the scored sessions' labels are known.

Population stability index (PSI) of a week against a reference window, over bins b:

    PSI = sum_b (p_b - q_b) * ln(p_b / q_b)

p_b the week's share of rows in bin b, q_b the reference's; every share is floored at
PSI_EPSILON first, so a bin empty on one side adds a large but finite term (a level the
reference never had, or one the week lacks) and PSI is never NaN or infinite. Each term is
>= 0, so PSI >= 0; 0.1-0.25 is read as a moderate shift and above 0.25 (var monitoring_max_psi)
as a shift to act on.

Reference: each domain's rows of the training window (before the registry's validation_start;
the primary domain's for a domain without any), so a week is compared with its own domain's past
and a domain's standing gap to the primary domain does not read as drift. The score's reference
is the champion's validation-window scores (the training window's scores are in-sample), which
exist on the primary domain only. Bins: numeric features by the deciles of the training sample
the registry fitted on (the same seeded sample, computed once per build), tied deciles merged,
NULL its own bin; categorical and calendar features per value, NULL its own level; the score by
the deciles of the validation scores. Counting happens in the warehouse (grouped counts per week,
domain and bin), so only those counts reach Python.
"""

from __future__ import annotations

import logging
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from shopper_propensity.metrics import ranking_metrics, top_decile_lift
from shopper_propensity.model_inputs import orders_only_table, require_rows
from shopper_propensity.propensity.features import CALENDAR_FEATURES, CATEGORICAL_FEATURES, NUMERIC_FEATURES, UNKNOWN
from shopper_propensity.propensity.inputs import load_rows
from shopper_propensity.propensity.splits import SplitWindows, window_filter
from shopper_propensity.settings import MonitoringSettings
from shopper_propensity.sql_literals import sql_literal

# The floor of a bin's share (see the module docstring): a bin empty on one side of 1% of rows on
# the other adds (0.01 - 0.0001) * ln(100) = 0.046.
PSI_EPSILON = 1e-4
DECILES = np.arange(1, 10) / 10
# Features left out of drift, with the reason: a week holds one or two months, so the month's
# PSI measures the calendar, not the population.
NOT_MONITORED = {"event_month": "a week holds one or two months: its PSI measures the calendar"}
SCORE = "score"

log = logging.getLogger(__name__)

DRIFT_SCHEMA = pa.schema([
    ("week_start", pa.date32()), ("domain_name", pa.string()), ("feature_name", pa.string()),
    ("feature_kind", pa.string()), ("period", pa.string()), ("rows", pa.int64()), ("reference_domain", pa.string()),
    ("reference_rows", pa.int64()), ("bin_count", pa.int64()), ("psi", pa.float64()), ("top_bin", pa.string()),
    ("top_bin_share", pa.float64()), ("top_bin_reference_share", pa.float64()), ("is_judged", pa.bool_()),
    ("is_drifted", pa.bool_()), ("message", pa.string()),
])

SCORE_MONITORING_SCHEMA = pa.schema([
    ("week_start", pa.date32()), ("domain_name", pa.string()), ("period", pa.string()),
    ("model_name", pa.string()), ("model_version_id", pa.string()), ("sessions", pa.int64()),
    ("positives", pa.int64()), ("base_rate", pa.float64()), ("roc_auc", pa.float64()), ("pr_auc", pa.float64()),
    ("top_decile_lift", pa.float64()), ("validation_roc_auc", pa.float64()), ("roc_auc_drop", pa.float64()),
    ("is_judged", pa.bool_()), ("is_auc_dropped", pa.bool_()), ("message", pa.string()),
])


# ---------------------------------------------------------------------------------------------
# PSI and bins
# ---------------------------------------------------------------------------------------------


def population_stability(current: pd.DataFrame, reference: pd.Series) -> pd.DataFrame:
    """PSI of each row of counts per bin (columns = bin labels) against the reference's counts
    (index = bin labels), with the bin that adds the most and its shares on both sides."""
    bins = current.columns.union(reference.index)
    counts = current.reindex(columns=bins, fill_value=0).to_numpy(dtype=np.float64)
    p = counts / counts.sum(axis=1, keepdims=True)
    q = reference.reindex(bins, fill_value=0).to_numpy(dtype=np.float64)
    q = np.broadcast_to(q / q.sum(), p.shape)
    p_floor, q_floor = np.maximum(p, PSI_EPSILON), np.maximum(q, PSI_EPSILON)
    terms = (p_floor - q_floor) * np.log(p_floor / q_floor)
    top = np.argmax(terms, axis=1)
    rows = np.arange(len(p))
    return pd.DataFrame({"psi": terms.sum(axis=1), "bin_count": len(bins), "top_bin": np.asarray(bins, dtype=str)[top],
                         "top_bin_share": p[rows, top], "top_bin_reference_share": q[rows, top]}, index=current.index)


def decile_edges(values: np.ndarray) -> list[float]:
    """The distinct deciles of the non-missing values (observed values, so a count's edges are
    counts): bin i holds edges[i-1] <= x < edges[i]."""
    values = np.asarray(values, dtype=np.float64)
    values = values[~np.isnan(values)]
    if not len(values):
        return []
    return [float(edge) for edge in np.unique(np.quantile(values, DECILES, method="inverted_cdf"))]


def numeric_bin_sql(column: str, edges: list[float]) -> str:
    """SQL giving each row its bin's label: 'missing', '< e1', '[e1, e2)', ..., '>= ek'."""
    labels = numeric_bin_labels(edges)
    cases = [f"when {column} is null then 'missing'"]
    cases += [f"when {column} < cast({edge!r} as double) then {sql_literal(label)}"
              for edge, label in zip(edges, labels, strict=False)]
    return f"case {' '.join(cases)} else {sql_literal(labels[-1])} end"


def numeric_bin_labels(edges: list[float]) -> list[str]:
    if not edges:
        return ["all"]
    inner = [f"[{low:g}, {high:g})" for low, high in zip(edges, edges[1:], strict=False)]
    return [f"< {edges[0]:g}", *inner, f">= {edges[-1]:g}"]


def categorical_bin_sql(column: str) -> str:
    """Each value its own bin, NULL the level the encoder calls unknown."""
    return f"coalesce(cast({column} as string), {sql_literal(UNKNOWN)})"


def week_start_sql(windows: SplitWindows) -> str:
    """SQL of a row's week: its Monday, or the first day of its window (validation, test) when
    the window starts later in that week, so no week mixes two windows."""
    monday = "cast(date_trunc('week', event_date) as date)"
    starts = [f"cast({sql_literal(start)} as date)" for start in (windows.train_end, windows.validation_start)]
    cases = [f"when event_date >= {start} then greatest({monday}, {start})" for start in starts]
    return f"case {' '.join(cases)} else {monday} end"


def week_period(week_start: date, windows: SplitWindows) -> str:
    """The window a week (week_start_sql) lies in: fit, validation or test."""
    if week_start < windows.validation_start:
        return "fit"
    return "validation" if week_start < windows.train_end else "test"


# ---------------------------------------------------------------------------------------------
# Counts read from the warehouse
# ---------------------------------------------------------------------------------------------


def weekly_counts(relation, bin_sql: str, windows: SplitWindows) -> pd.DataFrame:
    """Rows per week, domain and bin."""
    return (relation
            .project(f"{week_start_sql(windows)} as week_start, domain_name, {bin_sql} as bin")
            .aggregate("week_start, domain_name, bin, count(*) as n", "week_start, domain_name, bin")
            .df())


def reference_counts(relation, bin_sql: str) -> dict[str, pd.Series]:
    """Rows per bin of each domain of the reference window."""
    counts = (relation.project(f"domain_name, {bin_sql} as bin")
              .aggregate("domain_name, bin, count(*) as n", "domain_name, bin").df())
    return {domain: pd.Series(group["n"].to_numpy(dtype=np.int64), index=pd.Index(group["bin"].astype(str)))
            for domain, group in counts.groupby("domain_name", sort=True)}


def drift_rows(feature: str, kind: str, weekly: pd.DataFrame, references: dict[str, pd.Series], primary_domain: str,
               windows: SplitWindows, settings: MonitoringSettings) -> list[dict]:
    """One row per week and domain of a feature: its PSI against the domain's reference (the
    primary domain's where the domain has none), judged against monitoring_max_psi for a test
    week of at least monitoring_min_rows rows measured against its own domain's reference."""
    weekly = weekly.assign(bin=weekly["bin"].astype(str), week_start=pd.to_datetime(weekly["week_start"]).dt.date)
    rows = []
    for domain, domain_weeks in weekly.groupby("domain_name", sort=True):
        reference_domain = domain if domain in references else primary_domain
        reference = references[reference_domain]
        counts = domain_weeks.pivot_table(index="week_start", columns="bin", values="n", aggfunc="sum",
                                          fill_value=0).sort_index()
        stability = population_stability(counts, reference)
        reference_rows = int(reference.sum())
        for week, week_rows, row in zip(counts.index, counts.sum(axis=1), stability.itertuples(), strict=True):
            period, week_rows = week_period(week, windows), int(week_rows)
            judged = period == "test" and reference_domain == domain and week_rows >= settings.monitoring_min_rows
            drifted = judged and row.psi > settings.monitoring_max_psi
            verdict = (f"{'above' if drifted else 'within'} the limit {settings.monitoring_max_psi:g}" if judged
                       else "not judged: " + ("a window before train_end" if period != "test" else
                                              f"no reference on {domain}" if reference_domain != domain else
                                              f"fewer than {settings.monitoring_min_rows:,} rows"))
            message = (f"{feature} on {domain}, week of {week}: PSI {row.psi:.3f} ({verdict}) over {week_rows:,} rows; "
                       f"bin {row.top_bin} holds {row.top_bin_share:.1%} of them against "
                       f"{row.top_bin_reference_share:.1%} of the reference ({reference_domain})")
            rows.append({"week_start": week, "domain_name": domain, "feature_name": feature, "feature_kind": kind,
                         "period": period, "rows": week_rows, "reference_domain": reference_domain,
                         "reference_rows": reference_rows, "bin_count": row.bin_count, "psi": float(row.psi),
                         "top_bin": row.top_bin, "top_bin_share": float(row.top_bin_share),
                         "top_bin_reference_share": float(row.top_bin_reference_share),
                         "is_judged": judged, "is_drifted": drifted, "message": message})
    return rows


def log_alerts(table: str, rows: list[dict], flag: str, measure: str, subject: str) -> None:
    """One log line per subject (feature or domain) with alerts: how many weeks, and the worst
    week's message (the table holds every week's)."""
    fired: dict[str, list[dict]] = {}
    for row in rows:
        if row[flag]:
            fired.setdefault(row[subject], []).append(row)
    for name, alerts in sorted(fired.items()):
        worst = max(alerts, key=lambda row: row[measure])
        log.warning("%s: %s alert(s) on %s; the worst: %s", table, len(alerts), name, worst["message"])


def champion_row(registry_relation) -> tuple[pd.Series, SplitWindows]:
    """The champion's registry row (its name, version, validation ROC AUC) and the windows it
    was fitted on."""
    registry = registry_relation.filter("is_champion").project(
        "model_name, model_version_id, primary_domain, validation_start, train_end, validation_roc_auc").df()
    require_rows(registry, "propensity_model_registry (its champion)")
    return registry.iloc[0], SplitWindows.of_registry(registry)


def champion_scores(predictions_relation, champion: pd.Series):
    """The champion's rows of propensity_predictions, of its version."""
    return predictions_relation.filter(f"model_name = {sql_literal(champion['model_name'])} "
                                       f"and model_version_id = {sql_literal(champion['model_version_id'])}")


# ---------------------------------------------------------------------------------------------
# The tables
# ---------------------------------------------------------------------------------------------


def feature_drift_table(registry_relation, features_relation, predictions_relation,
                        settings: MonitoringSettings) -> pa.Table:
    """ml_feature_drift: per week, domain and monitored feature (and the champion's score) the
    PSI against the domain's rows of the training window (the score: the primary domain's
    validation window)."""
    if not settings.panel_has_sessions:
        return orders_only_table(DRIFT_SCHEMA)
    champion, windows = champion_row(registry_relation)
    primary_domain = champion["primary_domain"]
    fit_window = features_relation.filter(window_filter(None, None, windows.validation_start))
    numeric = [feature for feature in NUMERIC_FEATURES if feature not in NOT_MONITORED]
    sample = load_rows(features_relation, window_filter(primary_domain, None, windows.validation_start),
                       ["pseudo_session_id", *numeric], settings.max_train_rows, settings.propensity_seed)
    require_rows(sample, "session_features (the training window)")
    features = [(feature, "numeric", numeric_bin_sql(feature, decile_edges(sample[feature].to_numpy(dtype=float))))
                for feature in numeric]
    features += [(feature, "calendar" if feature in CALENDAR_FEATURES else "categorical", categorical_bin_sql(feature))
                 for feature in (*CALENDAR_FEATURES, *CATEGORICAL_FEATURES) if feature not in NOT_MONITORED]
    rows = []
    for feature, kind, bin_sql in features:
        rows += drift_rows(feature, kind, weekly_counts(features_relation, bin_sql, windows),
                           reference_counts(fit_window, bin_sql), primary_domain, windows, settings)

    scores = champion_scores(predictions_relation, champion)
    validation_scores = scores.filter("split = 'validation'").project("score").df()["score"].to_numpy()
    score_bins = numeric_bin_sql(SCORE, decile_edges(validation_scores))
    # validation scores exist on the primary domain only: the other domains' score PSI is not judged
    rows += drift_rows(SCORE, SCORE, weekly_counts(scores, score_bins, windows),
                       reference_counts(scores.filter("split = 'validation'"), score_bins), primary_domain, windows,
                       settings)
    log_alerts("feature_drift", rows, "is_drifted", "psi", "feature_name")
    return pa.Table.from_pylist(rows, schema=DRIFT_SCHEMA)


def score_monitoring_table(registry_relation, predictions_relation,
                           settings: MonitoringSettings) -> pa.Table:
    """ml_score_monitoring: per week and domain, the realized ranking metrics of the champion's
    scores on its labelled scored sessions (validation and test windows)."""
    if not settings.panel_has_sessions:
        return orders_only_table(SCORE_MONITORING_SCHEMA)
    champion, windows = champion_row(registry_relation)
    scored = (champion_scores(predictions_relation, champion)
              .filter("actual is not null")
              .project(f"{week_start_sql(windows)} as week_start, domain_name, pseudo_session_id, score, actual")
              .order("week_start, domain_name, pseudo_session_id")
              .to_arrow_table().to_pandas(strings_to_categorical=True))
    require_rows(scored, "propensity_predictions (the champion's scores)")
    scored["week_start"] = pd.to_datetime(scored["week_start"]).dt.date
    rows = [week_metrics(week, str(domain), group, champion, windows, settings)
            for (week, domain), group in scored.groupby(["week_start", "domain_name"], sort=True, observed=True)]
    log_alerts("score_monitoring", rows, "is_auc_dropped", "roc_auc_drop", "domain_name")
    # Arrow with the declared types: an undefined metric stays NULL (pandas would make it NaN)
    return pa.Table.from_pylist(rows, schema=SCORE_MONITORING_SCHEMA)


def week_metrics(week: date, domain: str, group: pd.DataFrame, champion: pd.Series, windows: SplitWindows,
                 settings: MonitoringSettings) -> dict:
    """One week and domain: the metrics of shopper_propensity.metrics on its scored rows, and the
    realized ROC AUC against the champion's validation ROC AUC, judged on a test week of the
    primary domain (the validation window's; another domain's drop includes the transfer gap)
    that holds at least monitoring_min_positives sessions of each class."""
    labels, scores = group["actual"].to_numpy(dtype=int), group["score"].to_numpy(dtype=np.float64)
    ranking = ranking_metrics(labels, scores)
    positives, sessions = int(labels.sum()), len(labels)
    baseline = float(champion["validation_roc_auc"])
    drop = baseline - ranking["roc_auc"] if ranking["roc_auc"] is not None else None
    period, minimum = week_period(week, windows), settings.monitoring_min_positives
    judged = (period == "test" and domain == champion["primary_domain"]
              and min(positives, sessions - positives) >= minimum)
    dropped = judged and drop > settings.monitoring_max_roc_auc_drop
    realized = f"{ranking['roc_auc']:.3f}" if ranking["roc_auc"] is not None else "undefined (one class)"
    verdict = (f"{'above' if dropped else 'within'} the limit {settings.monitoring_max_roc_auc_drop:g}" if judged
               else "not judged: " + ("a window before train_end" if period != "test" else
                                      "not the primary domain (the drop includes the transfer gap)"
                                      if domain != champion["primary_domain"] else
                                      f"fewer than {minimum} sessions of a class"))
    message = (f"{champion['model_name']} on {domain}, week of {week}: realized ROC AUC {realized} over "
               f"{sessions:,} sessions ({positives:,} positive) against {baseline:.3f} on validation"
               + (f", a drop of {drop:.3f}" if drop is not None else "") + f" ({verdict})")
    return {"week_start": week, "domain_name": domain, "period": period, "model_name": champion["model_name"],
            "model_version_id": champion["model_version_id"], "sessions": sessions, "positives": positives,
            "base_rate": positives / sessions, "roc_auc": ranking["roc_auc"], "pr_auc": ranking["pr_auc"],
            "top_decile_lift": top_decile_lift(labels, scores, group["pseudo_session_id"].astype(str).to_numpy()),
            "validation_roc_auc": baseline, "roc_auc_drop": drop, "is_judged": judged, "is_auc_dropped": dropped,
            "message": message}
