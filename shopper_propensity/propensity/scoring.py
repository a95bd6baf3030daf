"""Scores of every model of the current version on the validation window (primary domain) and
the test period (every domain, no retuning), streamed batch by batch (propensity_predictions).

Incremental: while the version is unchanged, a run scores only the test period's event dates
from (the newest date already scored - var incremental_lookback_days, or var
incremental_rebuild_from when earlier: shopper_propensity.incremental) on and keeps the older
scores; a new version rescores everything (shopper_propensity.incremental.KeptTable). A row's score depends on its
features only, so the kept and the rescored rows are the ones a full scoring gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shopper_propensity.incremental import KeptTable
from shopper_propensity.model_inputs import orders_only_table, require_rows
from shopper_propensity.propensity.candidates import model_features, predict_scores
from shopper_propensity.propensity.features import MODEL_FEATURES, FeatureEncoder
from shopper_propensity.propensity.inputs import feature_columns, iter_batches
from shopper_propensity.propensity.registry import registry_models
from shopper_propensity.propensity.splits import SplitWindows, registry_windows, window_filter
from shopper_propensity.settings import PropensitySettings

PREDICTION_KEYS = ("pseudo_session_id", "machine_id", "event_date", "domain_name")
PREDICTION_SCHEMA = pa.schema([
    ("pseudo_session_id", pa.string()), ("machine_id", pa.int64()), ("event_date", pa.date32()),
    ("domain_name", pa.string()), ("split", pa.string()), ("model_name", pa.string()),
    ("actual", pa.bool_()), ("score", pa.float64()), ("is_predicted_positive", pa.bool_()),
    ("model_version_id", pa.string()),
])


def scored_table(connection, relation: str) -> KeptTable:
    """propensity_predictions as an incremental run finds it (dbt.this)."""
    return KeptTable(connection, relation, PREDICTION_SCHEMA, "model_version_id", "event_date")


def score_predictions(registry_relation, features_relation, settings: PropensitySettings,
                      scored: KeptTable | None = None) -> pa.RecordBatchReader | pa.Table:
    """propensity_predictions: every registry model's scores (score_splits), after checking that
    the vars still give the windows and domain the registry was fitted on. With `scored` (an
    incremental run), only the test period's dates it leaves to score (KeptTable.prepare: the
    validation window is rescored with the rest when a rebuild reaches into it)."""
    if not settings.panel_has_sessions:
        return orders_only_table(PREDICTION_SCHEMA)
    registry = registry_relation.df()
    require_rows(registry, "propensity_model_registry")
    registry_windows(registry, SplitWindows.from_vars(settings.train_end, settings.validation_months),
                     settings.primary_domain)
    rescore_from = None
    if scored is not None:
        rescore_from = scored.prepare(registry["model_version_id"].iloc[0], settings.incremental_lookback_days,
                                      settings.incremental_rebuild_from,
                                      earliest=SplitWindows.of_registry(registry).train_end, where="split = 'test'")
    return score_splits(features_relation, registry, settings.artifact_dir, batch_rows=settings.scoring_batch_rows,
                        rescore_from=rescore_from)


def score_splits(features_relation, registry: pd.DataFrame, artifact_dir: str,
                 batch_rows: int, rescore_from: date | None = None) -> pa.RecordBatchReader:
    """Scores of every model on the validation window (primary domain) and on the test period
    (every domain, no retuning), batch by batch. One row per pseudo-session, split and model.
    With rescore_from, only the test period's rows from that date.

    Returned as a stream: batches are scored as the reader is consumed, so when DuckDB writes
    the table from it, memory holds one batch of features and scores, not every score (at 10x
    paper scale the scores alone would be ~150M rows).
    """
    target = registry["target"].iloc[0]
    version_id = registry["model_version_id"].iloc[0]
    encoder, models = registry_models(registry, artifact_dir)

    def scored_batches():
        for split, predicate in split_predicates(registry, rescore_from).items():
            for batch in iter_batches(features_relation, predicate, feature_columns(target), batch_rows):
                yield from score_batch(batch, split, target, encoder, models, version_id)

    return pa.RecordBatchReader.from_batches(PREDICTION_SCHEMA, scored_batches())


def split_predicates(registry: pd.DataFrame, rescore_from: date | None = None) -> dict[str, str]:
    """SQL predicates of the scored splits: the validation window on the primary domain, and the
    test period on every domain, with the windows the registry was fitted on. With rescore_from
    (an incremental run of an unchanged version): the test period from that date only."""
    windows = SplitWindows.of_registry(registry)
    if rescore_from is not None:
        return {"test": window_filter(None, max(windows.train_end, rescore_from), None)}
    return {
        "validation": window_filter(registry["primary_domain"].iloc[0], windows.validation_start, windows.train_end),
        "test": window_filter(None, windows.train_end, None),
    }


def score_batch(batch: pa.Table, split: str, target: str, encoder: FeatureEncoder, models,
                version_id: str) -> Iterator[pa.RecordBatch]:
    """One batch of session_features rows (feature_columns(target)) scored by every model of the
    version version_id (registry_models): a record batch of PREDICTION_SCHEMA per model. Both the DuckDB path
    (score_splits) and the Spark job (shopper_propensity.spark.scoring) score through this."""
    encoded = encoder.transform(batch.select(list(MODEL_FEATURES)).to_pandas())
    keys = {column: batch.column(column).cast(PREDICTION_SCHEMA.field(column).type).combine_chunks()
            for column in PREDICTION_KEYS}
    actual = pc.cast(batch.column(target), pa.bool_()).combine_chunks()
    for name, model, positions, threshold in models:
        scores = predict_scores(model, model_features(encoded, positions))
        yield pa.RecordBatch.from_pydict({
            **keys,
            "split": pa.array([split] * len(batch), pa.string()),
            "model_name": pa.array([name] * len(batch), pa.string()),
            "actual": actual,
            "score": pa.array(scores),
            "is_predicted_positive": pa.array(scores >= threshold),
            "model_version_id": pa.array([version_id] * len(batch), pa.string()),
        }, schema=PREDICTION_SCHEMA)
