"""Population stability of the champion propensity model's features and score per week and
domain (document 000 §9.3): the counts behind feature_drift and the PSI judged from them.

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
the registry fitted on, tied deciles merged, NULL its own bin (the edges are stored with the model
version when it is trained, so a daily run does not draw the sample again; a version stored
without them has them computed from the same seeded sample); categorical and calendar features
per value, NULL its own level; the score by the deciles of the validation scores. Counting
happens in the warehouse (grouped counts per week, domain and bin), so only those counts reach
Python.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shopper_propensity.incremental import KeptTable
from shopper_propensity.model_inputs import orders_only_table, require_rows
from shopper_propensity.propensity.features import CALENDAR_FEATURES, CATEGORICAL_FEATURES, NUMERIC_FEATURES, UNKNOWN
from shopper_propensity.propensity.inputs import load_rows
from shopper_propensity.propensity.monitoring import (
    champion_row,
    champion_scores,
    log_alerts,
    week_period,
    week_start_sql,
    weeks_to_count,
)
from shopper_propensity.propensity.registry import read_manifest
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
MONITORED_NUMERIC = [feature for feature in NUMERIC_FEATURES if feature not in NOT_MONITORED]

BIN_COUNTS_SCHEMA = pa.schema([
    ("binning_id", pa.string()), ("week_start", pa.date32()), ("domain_name", pa.string()),
    ("feature_name", pa.string()), ("bin", pa.string()), ("rows", pa.int64()),
])

DRIFT_SCHEMA = pa.schema([
    ("week_start", pa.date32()), ("domain_name", pa.string()), ("feature_name", pa.string()),
    ("feature_kind", pa.string()), ("period", pa.string()), ("rows", pa.int64()), ("reference_domain", pa.string()),
    ("reference_rows", pa.int64()), ("bin_count", pa.int64()), ("psi", pa.float64()), ("top_bin", pa.string()),
    ("top_bin_share", pa.float64()), ("top_bin_reference_share", pa.float64()), ("is_judged", pa.bool_()),
    ("is_drifted", pa.bool_()), ("message", pa.string()),
])


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


def weekly_counts(relation, bins: dict[str, str], windows: SplitWindows) -> pa.Table:
    """Rows per week, domain, feature and bin ({feature: its bin SQL}), every feature counted in
    one pass over the relation: one grouping set per feature (SQL both DuckDB and Spark run),
    whose rows are those where its bin, never NULL, is set."""
    labels = {feature: f"bin_{position}" for position, feature in enumerate(bins)}
    grouping_sets = ", ".join(f"(week_start, domain_name, {label})" for label in labels.values())
    counts = (relation
              .project(", ".join([f"{week_start_sql(windows)} as week_start", "domain_name",
                                  *(f"{bins[feature]} as {label}" for feature, label in labels.items())]))
              .aggregate(f"week_start, domain_name, {', '.join(labels.values())}, count(*) as rows",
                         f"grouping sets ({grouping_sets})")
              .to_arrow_table())
    per_feature = []
    for feature, label in labels.items():
        rows = counts.filter(pc.is_valid(counts[label]))
        per_feature.append(pa.table({"week_start": rows["week_start"], "domain_name": rows["domain_name"],
                                     "feature_name": pa.array([feature] * len(rows), pa.string()),
                                     "bin": rows[label], "rows": rows["rows"]}))
    return pa.concat_tables(per_feature).sort_by([("week_start", "ascending"), ("domain_name", "ascending"),
                                                  ("feature_name", "ascending"), ("bin", "ascending")])


def reference_counts(weekly: pd.DataFrame, in_reference) -> dict[str, pd.Series]:
    """Rows per bin of each domain over the weeks in the reference (in_reference: week_start ->
    bool over the weekly counts' rows)."""
    reference = weekly[in_reference(weekly["week_start"])]
    return {domain: group.groupby("bin")["rows"].sum().astype(np.int64)
            for domain, group in reference.groupby("domain_name", sort=True)}


def drift_rows(feature: str, kind: str, weekly: pd.DataFrame, references: dict[str, pd.Series], primary_domain: str,
               windows: SplitWindows, settings: MonitoringSettings) -> list[dict]:
    """One row per week and domain of a feature: its PSI against the domain's reference (the
    primary domain's where the domain has none), judged against monitoring_max_psi for a test
    week of at least monitoring_min_rows rows measured against its own domain's reference. A
    calendar feature is judged only in a week holding every value its reference holds: a week
    still filling (the daily job's newest) or cut by a window's start holds some days only, and
    its day_of_week PSI would measure the calendar, not the sessions."""
    weekly = weekly.assign(bin=weekly["bin"].astype(str), week_start=pd.to_datetime(weekly["week_start"]).dt.date)
    rows = []
    for domain, domain_weeks in weekly.groupby("domain_name", sort=True):
        reference_domain = domain if domain in references else primary_domain
        reference = references[reference_domain]
        # a week per row, a bin per column (groupby + unstack: pivot_table took 4 times as long)
        counts = domain_weeks.groupby(["week_start", "bin"])["rows"].sum().unstack("bin", fill_value=0).sort_index()
        stability = population_stability(counts, reference)
        reference_rows = int(reference.sum())
        reference_values = reference.index[reference > 0]
        covered = (counts.reindex(columns=reference_values, fill_value=0) > 0).all(axis=1)
        for week, week_rows, row in zip(counts.index, counts.sum(axis=1), stability.itertuples(), strict=True):
            period, week_rows = week_period(week, windows), int(week_rows)
            partial = kind == "calendar" and not covered[week]
            judged = (period == "test" and reference_domain == domain and week_rows >= settings.monitoring_min_rows
                      and not partial)
            drifted = judged and row.psi > settings.monitoring_max_psi
            verdict = (f"{'above' if drifted else 'within'} the limit {settings.monitoring_max_psi:g}" if judged
                       else "not judged: " + ("a window before train_end" if period != "test" else
                                              f"no reference on {domain}" if reference_domain != domain else
                                              f"fewer than {settings.monitoring_min_rows:,} rows"
                                              if week_rows < settings.monitoring_min_rows else
                                              f"the week holds only some of the {feature} values of the reference"))
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


def monitored_edges(sample: pd.DataFrame) -> dict[str, list[float]]:
    """The decile edges of each monitored numeric feature in a training sample: what a model
    version stores for monitoring (training.train_registry) and the bins' source."""
    return {feature: decile_edges(sample[feature].to_numpy(dtype=float)) for feature in MONITORED_NUMERIC}


def monitored_bins(features_relation, predictions_relation, champion: pd.Series, windows: SplitWindows,
                   settings: MonitoringSettings) -> tuple[dict[str, str], dict[str, str]]:
    """The bin SQL of each monitored feature of session_features, and of the champion's score
    (module docstring)."""
    edges = read_manifest(settings.artifact_dir, champion["model_version_id"]).get("monitoring_edges")
    if edges is None:  # a version stored before it kept its edges: the same seeded sample again
        sample = load_rows(features_relation, window_filter(champion["primary_domain"], None, windows.validation_start),
                           ["pseudo_session_id", *MONITORED_NUMERIC], settings.max_train_rows, settings.propensity_seed)
        require_rows(sample, "session_features (the training window)")
        edges = monitored_edges(sample)
    feature_bins = {feature: numeric_bin_sql(feature, feature_edges) for feature, feature_edges in edges.items()}
    feature_bins |= {feature: categorical_bin_sql(feature) for feature in (*CALENDAR_FEATURES, *CATEGORICAL_FEATURES)
                     if feature not in NOT_MONITORED}
    validation_scores = (champion_scores(predictions_relation, champion).filter("split = 'validation'")
                         .project("score").df()["score"].to_numpy())
    return feature_bins, {SCORE: numeric_bin_sql(SCORE, decile_edges(validation_scores))}


def kept_bin_counts(connection, relation: str) -> KeptTable:
    """ml_feature_bin_counts as an incremental run finds it (dbt.this)."""
    return KeptTable(connection, relation, BIN_COUNTS_SCHEMA, "binning_id", "week_start")


def feature_kind(feature: str) -> str:
    if feature == SCORE:
        return SCORE
    if feature in CALENDAR_FEATURES:
        return "calendar"
    return "categorical" if feature in CATEGORICAL_FEATURES else "numeric"


def feature_bin_counts(registry_relation, features_relation, predictions_relation, settings: MonitoringSettings,
                       kept: KeptTable | None = None) -> pa.Table:
    """ml_feature_bin_counts: rows per week, domain, monitored feature (and the champion's score)
    and bin, under the binning_id of the bins. Incremental (kept: the table as the run finds it):
    while the bins are unchanged, only the weeks from the SQL layer's rebuilt dates on are
    counted again; new bins (a new version, other training rows) count everything."""
    if not settings.panel_has_sessions:
        return orders_only_table(BIN_COUNTS_SCHEMA)
    champion, windows = champion_row(registry_relation)
    feature_bins, score_bins = monitored_bins(features_relation, predictions_relation, champion, windows, settings)
    binning_id = hashlib.sha256(json.dumps([feature_bins, score_bins]).encode()).hexdigest()[:16]
    scores = champion_scores(predictions_relation, champion)
    since = weeks_to_count(kept, binning_id, windows, settings)
    if since is not None:
        features_relation, scores = features_relation.filter(since), scores.filter(since)
    counts = pa.concat_tables([weekly_counts(features_relation, feature_bins, windows),
                               weekly_counts(scores, score_bins, windows)])
    return (counts.append_column("binning_id", pa.array([binning_id] * len(counts), pa.string()))
            .select(BIN_COUNTS_SCHEMA.names).cast(BIN_COUNTS_SCHEMA))


def feature_drift_table(registry_relation, counts_relation, settings: MonitoringSettings) -> pa.Table:
    """ml_feature_drift: per week, domain and monitored feature (and the champion's score) the
    PSI against the domain's rows of the training window (the score: the primary domain's
    validation window), from ml_feature_bin_counts."""
    if not settings.panel_has_sessions:
        return orders_only_table(DRIFT_SCHEMA)
    champion, windows = champion_row(registry_relation)
    primary_domain = champion["primary_domain"]
    counts = counts_relation.order("feature_name, domain_name, week_start, bin").df()
    require_rows(counts, "ml_feature_bin_counts")
    counts["week_start"] = pd.to_datetime(counts["week_start"]).dt.date
    rows = []
    for feature, weekly in counts.groupby("feature_name", sort=False):
        if feature == SCORE:
            # validation scores exist on the primary domain only: the other domains' score PSI is not judged
            reference = reference_counts(weekly[weekly["domain_name"] == primary_domain],
                                         lambda weeks: [week_period(week, windows) == "validation" for week in weeks])
        else:
            reference = reference_counts(weekly, lambda weeks: weeks < windows.validation_start)
        rows += drift_rows(feature, feature_kind(feature), weekly, reference, primary_domain, windows, settings)
    log_alerts("feature_drift", rows, "is_drifted", "psi", "feature_name")
    return pa.Table.from_pylist(rows, schema=DRIFT_SCHEMA)
