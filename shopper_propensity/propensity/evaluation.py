"""The propensity metrics table (document 000 Table 1, §7.4-7.6): per model, split and domain, plus
all non-primary domains together, at the tuned and at the default 0.5 threshold."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from shopper_propensity.domain_groups import ALL_NON_PRIMARY
from shopper_propensity.metrics import ranking_metrics, threshold_metrics
from shopper_propensity.model_inputs import orders_only_table, require_rows
from shopper_propensity.settings import PropensitySettings
from shopper_propensity.sql_literals import sql_literal

DEFAULT_THRESHOLD = 0.5


METRICS_SCHEMA = pa.schema([
    ("model_name", pa.string()), ("split", pa.string()), ("domain_name", pa.string()),
    ("threshold_kind", pa.string()), ("rows", pa.int64()), ("positives", pa.int64()),
    ("predicted_positives", pa.int64()), ("threshold", pa.float64()), ("accuracy", pa.float64()),
    ("precision", pa.float64()), ("recall", pa.float64()), ("f1", pa.float64()), ("roc_auc", pa.float64()),
    ("pr_auc", pa.float64()), ("brier", pa.float64()),
])


def model_metrics(registry_relation, predictions_relation, settings: PropensitySettings) -> pd.DataFrame | pa.Table:
    """propensity_model_metrics: metrics_table of every registry model, one model at a time (memory
    holds one model's predictions), at the threshold the registry tuned for it."""
    if not settings.panel_has_sessions:
        return orders_only_table(METRICS_SCHEMA)
    thresholds = dict(registry_relation.project("model_name, threshold").fetchall())
    require_rows(predictions_relation, "propensity_predictions")
    tables = []
    for model_name, threshold in sorted(thresholds.items()):
        # through Arrow with text as categoricals: .df() builds a Python string per row and value;
        # in key order: a mean (Brier) over rows in arrival order differs in its last bits run to run.
        # The key only orders the rows: as a categorical of millions of distinct strings it took 5x
        # as long as the rest (paper scale: 3.6 s of 4.4 s per model)
        selected = (predictions_relation.filter(f"model_name = {sql_literal(model_name)}")
                    .project("split, domain_name, actual, score, pseudo_session_id")
                    .order("split, domain_name, pseudo_session_id"))
        frame = selected.to_arrow_table().drop_columns(["pseudo_session_id"]).to_pandas(strings_to_categorical=True)
        table = metrics_table(frame, threshold, settings.primary_domain)
        table.insert(0, "model_name", model_name)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def metrics_table(predictions: pd.DataFrame, threshold: float, primary_domain: str) -> pd.DataFrame:
    """Metrics of one model's predictions per split and domain, plus all non-primary domains
    together (document 000 §7.5), at the tuned and at the default 0.5 threshold."""
    slices = [
        (split, domain, group)
        for (split, domain), group in predictions.groupby(["split", "domain_name"], sort=True, observed=True)
    ]
    others = predictions[(predictions["split"] == "test") & (predictions["domain_name"] != primary_domain)]
    if len(others):
        slices.append(("test", ALL_NON_PRIMARY, others))
    rows = []
    for split, domain, group in slices:
        labels, scores = group["actual"].to_numpy(dtype=int), group["score"].to_numpy()
        ranking = ranking_metrics(labels, scores)  # the same at both thresholds: computed once
        for kind, cut in (("tuned", threshold), ("default", DEFAULT_THRESHOLD)):
            rows.append({"split": split, "domain_name": domain, "threshold_kind": kind,
                         **threshold_metrics(labels, scores, cut), **ranking})
    return pd.DataFrame(rows)
