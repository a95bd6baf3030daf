"""What the propensity models read from session_features, without pulling the whole table into
pandas: the columns of a target, bounded seeded samples, and key-ordered batches for scoring."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from shopper_propensity.propensity.features import MODEL_FEATURES
from shopper_propensity.propensity.splits import PropensityInputError

TARGETS = ("converted", "is_repeat_purchase")


def feature_columns(target: str) -> list[str]:
    if target not in TARGETS:
        raise PropensityInputError(f"propensity_target must be one of {TARGETS}, got {target!r}")
    return ["pseudo_session_id", "machine_id", "event_date", "domain_name",
            *MODEL_FEATURES, target]


def load_rows(relation, predicate: str, columns: list[str], max_rows: int | None, seed: int) -> pd.DataFrame:
    """Rows of a DuckDB relation matching a predicate, at most max_rows of them.

    The sample is deterministic: rows are ranked by a seeded hash of their key, so memory
    stays flat as the data grows and the same data and seed give the same sample.
    """
    selected = relation.filter(predicate).project(", ".join(columns))
    if max_rows:
        selected = selected.order(f"md5(pseudo_session_id || '{int(seed)}')").limit(int(max_rows))
    return selected.order("pseudo_session_id").df()


def iter_batches(relation, predicate: str, columns: list[str], batch_rows: int):
    """The matching rows in pseudo_session_id order as Arrow tables of exactly batch_rows (the
    last one shorter), for scoring in bounded memory.

    DuckDB's reader hands out chunks far smaller than asked for (~35K rows); each scoring call
    has a fixed cost, so chunks are gathered up to batch_rows first. Key order and fixed cuts
    put every row in the same batch at the same place every run (scores no longer depend on it:
    see logistic.pipeline_probabilities; the output's row order does).
    """
    selected = relation.filter(predicate).project(", ".join(columns)).order("pseudo_session_id")
    reader = selected.to_arrow_reader(batch_rows)
    pending = pa.Table.from_batches([], schema=reader.schema)
    for chunk in reader:
        pending = pa.concat_tables([pending, pa.Table.from_batches([chunk])])
        while len(pending) >= batch_rows:
            yield pending.slice(0, batch_rows).combine_chunks()
            pending = pending.slice(batch_rows)
    if len(pending):
        yield pending.combine_chunks()
