"""Monitoring of the champion propensity model in operation (document 000 §9.3): population
stability of its features and score per week and domain, and its realized ranking quality once
the scored sessions' labels are known.

The week calendar and the champion's rows both parts read are here; the population stability
of its features and score is in propensity.drift.
"""

from __future__ import annotations

import logging
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from shopper_propensity.incremental import KeptTable
from shopper_propensity.metrics import ranking_metrics, top_decile_lift
from shopper_propensity.model_inputs import orders_only_table, require_rows
from shopper_propensity.propensity.splits import SplitWindows
from shopper_propensity.settings import MonitoringSettings
from shopper_propensity.sql_literals import sql_literal

log = logging.getLogger(__name__)

WEEK_METRICS_SCHEMA = pa.schema([
    ("week_start", pa.date32()), ("domain_name", pa.string()), ("model_name", pa.string()),
    ("model_version_id", pa.string()), ("sessions", pa.int64()), ("positives", pa.int64()),
    ("base_rate", pa.float64()), ("roc_auc", pa.float64()), ("pr_auc", pa.float64()),
    ("top_decile_lift", pa.float64()),
])

SCORE_MONITORING_SCHEMA = pa.schema([
    ("week_start", pa.date32()), ("domain_name", pa.string()), ("period", pa.string()),
    ("model_name", pa.string()), ("model_version_id", pa.string()), ("sessions", pa.int64()),
    ("positives", pa.int64()), ("base_rate", pa.float64()), ("roc_auc", pa.float64()), ("pr_auc", pa.float64()),
    ("top_decile_lift", pa.float64()), ("validation_roc_auc", pa.float64()), ("roc_auc_drop", pa.float64()),
    ("is_judged", pa.bool_()), ("is_auc_dropped", pa.bool_()), ("message", pa.string()),
])


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


def week_start_of(connection, day: date, windows: SplitWindows) -> date:
    """The week (week_start_sql) a date lies in."""
    [(week,)] = connection.sql(f"select {week_start_sql(windows)} "
                               f"from (select cast({sql_literal(day)} as date) as event_date)").fetchall()
    return week


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


def weeks_to_count(kept: KeptTable | None, version: str, windows: SplitWindows,
                   settings: MonitoringSettings) -> str | None:
    """The event_date predicate of the rows an incremental run counts again - the whole weeks from
    the SQL layer's rebuilt dates on, whose old rows KeptTable.prepare deletes - or None to count
    every row (no kept table, or everything rebuilt: another version or bins, or a rebuild
    reaching before the validation window)."""
    if kept is None:
        return None
    since = kept.prepare(version, settings.incremental_lookback_days, settings.incremental_rebuild_from,
                         earliest=windows.validation_start,
                         period_start=lambda day: week_start_of(kept.connection, day, windows))
    return f"event_date >= cast({sql_literal(since)} as date)" if since is not None else None


def kept_week_metrics(connection, relation: str) -> KeptTable:
    """ml_score_week_metrics as an incremental run finds it (dbt.this)."""
    return KeptTable(connection, relation, WEEK_METRICS_SCHEMA, "model_version_id", "week_start")


def score_week_metrics_table(registry_relation, predictions_relation, settings: MonitoringSettings,
                             kept: KeptTable | None = None) -> pa.Table:
    """ml_score_week_metrics: per week and domain, the realized ranking metrics of the champion's
    scores on its labelled scored sessions (validation and test windows). Incremental (kept: the
    table as the run finds it): while the version is unchanged, only the weeks from the SQL
    layer's rebuilt dates on are measured again."""
    if not settings.panel_has_sessions:
        return orders_only_table(WEEK_METRICS_SCHEMA)
    champion, windows = champion_row(registry_relation)
    scores = champion_scores(predictions_relation, champion).filter("actual is not null")
    since = weeks_to_count(kept, champion["model_version_id"], windows, settings)
    if since is not None:
        scores = scores.filter(since)
    # in key order, so a row's position breaks score ties as the key does (week_ranking); the key
    # itself is dropped: millions of distinct strings cost most of the conversion to pandas
    scored = (scores
              .project(f"{week_start_sql(windows)} as week_start, domain_name, pseudo_session_id, score, actual")
              .order("week_start, domain_name, pseudo_session_id")
              .to_arrow_table().drop_columns(["pseudo_session_id"]).to_pandas(strings_to_categorical=True))
    if since is None:
        require_rows(scored, "propensity_predictions (the champion's scores)")
    scored["week_start"] = pd.to_datetime(scored["week_start"]).dt.date
    rows = [week_ranking(week, str(domain), group, champion)
            for (week, domain), group in scored.groupby(["week_start", "domain_name"], sort=True, observed=True)]
    # Arrow with the declared types: an undefined metric stays NULL (pandas would make it NaN)
    return pa.Table.from_pylist(rows, schema=WEEK_METRICS_SCHEMA)


def score_monitoring_table(registry_relation, week_metrics_relation, settings: MonitoringSettings) -> pa.Table:
    """ml_score_monitoring: ml_score_week_metrics with each week's realized ROC AUC judged against
    the champion's validation ROC AUC (week_verdict)."""
    if not settings.panel_has_sessions:
        return orders_only_table(SCORE_MONITORING_SCHEMA)
    champion, windows = champion_row(registry_relation)
    weeks = week_metrics_relation.order("week_start, domain_name").to_arrow_table().to_pylist()
    rows = [{**week, **week_verdict(week, champion, windows, settings)} for week in weeks]
    log_alerts("score_monitoring", rows, "is_auc_dropped", "roc_auc_drop", "domain_name")
    return pa.Table.from_pylist(rows, schema=SCORE_MONITORING_SCHEMA)


def week_ranking(week: date, domain: str, group: pd.DataFrame, champion: pd.Series) -> dict:
    """One week and domain: the metrics of shopper_propensity.metrics on its scored rows, which
    come in pseudo_session_id order (top_decile_lift breaks score ties by position)."""
    labels, scores = group["actual"].to_numpy(dtype=int), group["score"].to_numpy(dtype=np.float64)
    ranking = ranking_metrics(labels, scores)
    positives, sessions = int(labels.sum()), len(labels)
    return {"week_start": week, "domain_name": domain, "model_name": champion["model_name"],
            "model_version_id": champion["model_version_id"], "sessions": sessions, "positives": positives,
            "base_rate": positives / sessions, "roc_auc": ranking["roc_auc"], "pr_auc": ranking["pr_auc"],
            "top_decile_lift": top_decile_lift(labels, scores, np.arange(sessions))}


def week_verdict(ranking: dict, champion: pd.Series, windows: SplitWindows, settings: MonitoringSettings) -> dict:
    """A week's realized ROC AUC against the champion's validation ROC AUC, judged on a test
    week of the primary domain (the validation window's; another domain's drop includes the
    transfer gap) that holds at least monitoring_min_positives sessions of each class."""
    week, domain, roc_auc = ranking["week_start"], ranking["domain_name"], ranking["roc_auc"]
    positives, sessions = ranking["positives"], ranking["sessions"]
    baseline = float(champion["validation_roc_auc"])
    drop = baseline - roc_auc if roc_auc is not None else None
    period, minimum = week_period(week, windows), settings.monitoring_min_positives
    judged = (period == "test" and domain == champion["primary_domain"]
              and min(positives, sessions - positives) >= minimum)
    dropped = judged and drop > settings.monitoring_max_roc_auc_drop
    realized = f"{roc_auc:.3f}" if roc_auc is not None else "undefined (one class)"
    verdict = (f"{'above' if dropped else 'within'} the limit {settings.monitoring_max_roc_auc_drop:g}" if judged
               else "not judged: " + ("a window before train_end" if period != "test" else
                                      "not the primary domain (the drop includes the transfer gap)"
                                      if domain != champion["primary_domain"] else
                                      f"fewer than {minimum} sessions of a class"))
    message = (f"{champion['model_name']} on {domain}, week of {week}: realized ROC AUC {realized} over "
               f"{sessions:,} sessions ({positives:,} positive) against {baseline:.3f} on validation"
               + (f", a drop of {drop:.3f}" if drop is not None else "") + f" ({verdict})")
    return {"period": period, "validation_roc_auc": baseline, "roc_auc_drop": drop, "is_judged": judged,
            "is_auc_dropped": dropped, "message": message}
