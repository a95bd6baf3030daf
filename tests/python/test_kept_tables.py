"""Tables the Python models keep incrementally (shopper_propensity.incremental): which dates a run
rebuilds, and what KeptTable.prepare deletes, on a small DuckDB table."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pyarrow as pa
import pytest

from shopper_propensity.incremental import KeptTable, rebuild_start

SCHEMA = pa.schema([("version", pa.string()), ("day", pa.date32()), ("part", pa.string())])
DAYS = [date(2023, 12, 20) + timedelta(days=offset) for offset in range(10)]  # through 2023-12-29


def test_rebuild_start_is_the_newest_date_minus_the_lookback_or_an_earlier_rebuild_from():
    assert rebuild_start(date(2023, 12, 29), 3) == date(2023, 12, 26)
    assert rebuild_start(date(2023, 12, 29), 3, date(2023, 12, 1)) == date(2023, 12, 1)
    assert rebuild_start(date(2023, 12, 29), 3, date(2023, 12, 28)) == date(2023, 12, 26)  # later: the lookback wins
    assert rebuild_start(None, 3, date(2023, 12, 1)) is None  # nothing built yet: everything


@pytest.fixture
def kept():
    connection = duckdb.connect()
    connection.execute("create table kept (version varchar, day date, part varchar)")
    for day in DAYS:
        connection.execute("insert into kept values ('v1', ?, 'test'), ('v1', ?, 'validation')", [day, day])
    yield KeptTable(connection, "kept", SCHEMA, "version", "day")
    connection.close()


def days_left(kept: KeptTable, part: str) -> list[date]:
    rows = kept.connection.sql(f"select day from kept where part = '{part}' order by day").fetchall()
    return [row[0] for row in rows]


def test_same_version_deletes_from_the_start_in_the_rows_it_rebuilds(kept):
    assert kept.prepare("v1", 3, None, where="part = 'test'") == date(2023, 12, 26)
    assert days_left(kept, "test") == DAYS[:6]  # 12-20 .. 12-25 kept
    assert days_left(kept, "validation") == DAYS  # outside `where`: kept whole


def test_a_period_is_rebuilt_whole(kept):
    # weeks starting on Mondays: 2023-12-26 lies in the week of Monday 2023-12-25
    monday = kept.prepare("v1", 3, None, period_start=lambda day: day - timedelta(days=day.weekday()))
    assert monday == date(2023, 12, 25)
    assert days_left(kept, "test") == DAYS[:5]


@pytest.mark.parametrize("version, rebuild_from, earliest", [
    ("v2", None, None),  # another version
    ("v1", date(2023, 11, 1), date(2023, 12, 1)),  # a rebuild reaching before the earliest date
])
def test_everything_is_rebuilt(kept, version, rebuild_from, earliest):
    assert kept.prepare(version, 3, rebuild_from, earliest=earliest) is None
    assert kept.connection.sql("select count(*) from kept").fetchall() == [(0,)]


def test_an_empty_table_rebuilds_everything(kept):
    kept.connection.execute("delete from kept")
    assert kept.prepare("v1", 3, None) is None


def test_a_table_of_an_older_layout_asks_for_a_full_refresh(kept):
    older = KeptTable(kept.connection, "kept", pa.schema([*SCHEMA, ("added", pa.int64())]), "version", "day")
    with pytest.raises(ValueError, match=r"no column\(s\) \['added'\].*--full-refresh --select kept\+"):
        older.prepare("v1", 3, None)
