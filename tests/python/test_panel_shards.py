"""Tests of the sharded panel generator (`--shards`), the path that makes panels larger than
memory (10x paper scale, 138M session rows): row counts, unique keys, the file contract, the
same CSV bytes as the single-pass writer. Its memory is measured by `python -m bench.shard_memory`."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from shopper_propensity import panel
from shopper_propensity.panel.generate import user_count

SESSIONS = 60_000
SHARDS = 3


def _count(panel_dir, name: str, expression: str = "count(*)"):
    return duckdb.connect().execute(f"SELECT {expression} FROM {panel.panel_source_sql(panel_dir, name)}").fetchone()


@pytest.fixture(scope="module", params=panel.FORMATS)
def sharded_panel(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"sharded_{request.param}")
    counts = panel.write_panel_shards(panel.generate_shards(SESSIONS, 7, SHARDS), out, request.param)
    return request.param, out, counts


def test_households_are_split_evenly_and_completely():
    counts = panel.shard_user_counts(1_000_000, 7)
    assert sum(counts) == user_count(1_000_000)
    assert max(counts) - min(counts) <= 1
    for bad in (0, user_count(1_000) + 1):
        with pytest.raises(ValueError):
            panel.shard_user_counts(1_000, bad)


def test_files_hold_every_shard_row(sharded_panel):
    _, out, counts = sharded_panel
    assert set(counts) == set(panel.SCHEMAS)
    for name, rows in counts.items():
        assert _count(out, name)[0] == rows, name
    assert abs(counts["sessions"] / SESSIONS - 1) < 0.1


def test_users_are_unique_across_shards(sharded_panel):
    _, out, _ = sharded_panel
    users, distinct = _count(out, "truth/user_types", "count(*), count(DISTINCT machine_id)")
    assert users == distinct == user_count(SESSIONS)
    con = duckdb.connect()
    orphans = con.execute(f"""SELECT count(*) FROM {panel.panel_source_sql(out, 'sessions')} s
                              ANTI JOIN {panel.panel_source_sql(out, 'truth/user_types')} u USING (machine_id)""")
    assert orphans.fetchone()[0] == 0


def test_shards_draw_from_their_own_seeds():
    """A shard is not a copy of another with shifted ids: the id steps (and all draws) differ."""
    first, second = panel.generate_shards(20_000, 7, 2)
    steps = [np.diff(shard["truth/user_types"]["machine_id"].to_numpy()[:100]) for shard in (first, second)]
    assert not np.array_equal(*steps)
    first_ids, second_ids = (tables["truth/user_types"]["machine_id"].to_numpy() for tables in (first, second))
    assert first_ids.max() < second_ids.min()


def test_parquet_schema_follows_the_contract(tmp_path):
    panel.write_panel_shards(panel.generate_shards(10_000, 7, 2), tmp_path / "sharded", "parquet")
    panel.write_panel(panel.generate_panel(5_000, 7), tmp_path / "single", "parquet")
    for name in panel.SCHEMAS:
        sharded, single = (pq.read_schema(tmp_path / run / f"{name}.parquet") for run in ("sharded", "single"))
        assert sharded == single


def test_one_shard_writes_the_same_csv_bytes_as_write_panel(tmp_path):
    tables = panel.generate_panel(5_000, 3)
    panel.write_panel(tables, tmp_path / "single", "csv")
    panel.write_panel_shards([dict(tables)], tmp_path / "sharded", "csv")
    for name in panel.SCHEMAS:
        assert (tmp_path / "single" / f"{name}.csv").read_bytes() == (tmp_path / "sharded" / f"{name}.csv").read_bytes()


def test_cli_writes_shards(tmp_path, capsys):
    panel.main(["--sessions", "20000", "--seed", "5", "--out", str(tmp_path), "--format", "parquet", "--shards", "2"])
    assert "2 shards" in capsys.readouterr().out
    assert _count(tmp_path, "sessions")[0] > 0
