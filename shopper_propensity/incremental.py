"""Tables the Python models keep incrementally (propensity_predictions, the monitoring counts and
metrics): which rows a run rebuilds.

The first date to rebuild follows the rule of the SQL models' macros/incremental.sql
(incremental_slice_start): the newest date the table already holds minus var
incremental_lookback_days, or var incremental_rebuild_from when that is earlier, so a day the
SQL layer rebuilds is rebuilt downstream too. (dbt's Jinja cannot call Python: the SQL side keeps
its copy of the rule, tested in tests/python/test_incremental.py.) Rows of
another model version, or a rebuild reaching before the earliest date a table can rebuild on its
own, mean rebuilding everything.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import pyarrow as pa

from shopper_propensity.sql_literals import sql_identifier, sql_literal

log = logging.getLogger(__name__)


def rebuild_start(newest: date | None, lookback_days: int, rebuild_from: date | None = None) -> date | None:
    """The first date to rebuild; None when the table holds no dated row (rebuild everything)."""
    if newest is None:
        return None
    start = newest - timedelta(days=int(lookback_days))
    return min(start, rebuild_from) if rebuild_from is not None else start


@dataclass(frozen=True)
class KeptTable:
    """The table an incremental run of a dbt Python model adds to (dbt.this), read and trimmed
    through the build's DuckDB connection before the model returns the rows it adds."""

    connection: object
    relation: str
    schema: pa.Schema
    version_column: str
    date_column: str

    def prepare(self, version: str, lookback_days: int, rebuild_from: date | None, *, earliest: date | None = None,
                where: str = "true", period_start: Callable[[date], date] | None = None) -> date | None:
        """Delete the rows this run rebuilds and return the first date it rebuilds (of the rows
        matching `where`; the others are kept), or None after emptying the table: no rows yet,
        rows of another version, or a start before `earliest`. period_start: for a table of
        periods (weeks), the first day of the period holding a date, so a period is rebuilt whole."""
        columns = {row[0] for row in self.connection.sql(f"describe {self.relation}").fetchall()}
        missing = [field.name for field in self.schema if field.name not in columns]
        if missing:
            model = self.relation.split(".")[-1].strip('"')
            raise ValueError(f"{self.relation} has no column(s) {missing}: it was built by an older "
                             f"shopper_propensity; rebuild it: dbt build --full-refresh --select {model}+")
        version_column, date_column = sql_identifier(self.version_column), sql_identifier(self.date_column)
        versions = {row[0] for row in self.connection.sql(
            f"select distinct {version_column} from {self.relation}").fetchall()}
        [(newest,)] = self.connection.sql(f"select max({date_column}) from {self.relation} where {where}").fetchall()
        start = rebuild_start(pd.Timestamp(newest).date() if newest is not None else None, lookback_days,
                              rebuild_from)
        if start is not None and period_start is not None:
            start = period_start(start)
        if versions != {version} or start is None or (earliest is not None and start < earliest):
            log.warning("%s: rows of %s %s, now %s, rebuilding from %s: rebuilding every row", self.relation,
                        self.version_column, sorted(versions) or "none", version, start or "the start")
            self.connection.execute(f"delete from {self.relation}")
            return None
        self.connection.execute(f"delete from {self.relation} where {where} "
                                f"and {date_column} >= cast({sql_literal(start)} as date)")
        log.warning("%s: %s %s unchanged; rebuilding from %s (the newest %s %s - incremental_lookback_days %s, "
                    "or incremental_rebuild_from %s), keeping the older rows", self.relation, self.version_column,
                    version, start, self.date_column, newest, lookback_days, rebuild_from)
        return start
