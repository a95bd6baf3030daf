"""sql_literal: no value can end its literal early, and DuckDB reads back the value itself."""

from __future__ import annotations

import math
from datetime import date

import duckdb
import numpy as np
import pytest

from shopper_propensity.sql_literals import sql_literal

HOSTILE_TEXT = ["o'brien", "x'); drop table t; --", "'", "''", "a\\'b", "ünï; \n\t", "{name}", ""]


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_text_reads_back_as_itself(text):
    with duckdb.connect() as connection:
        assert connection.execute(f"select {sql_literal(text)}").fetchall() == [(text,)]


def test_numbers_dates_booleans_and_none():
    with duckdb.connect() as connection:
        values = connection.execute(
            f"select {sql_literal(3)}, {sql_literal(np.int64(7))}, {sql_literal(0.25)}, {sql_literal(True)}, "
            f"{sql_literal(None)}, cast({sql_literal(date(2023, 1, 2))} as date)"
        ).fetchall()
    assert values == [(3, 7, 0.25, True, None, date(2023, 1, 2))]


def test_a_non_finite_number_is_refused():
    with pytest.raises(ValueError, match="non-finite"):
        sql_literal(math.nan)
