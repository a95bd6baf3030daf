"""Publishing in parts (shopper_propensity.serving.publish): a part whose rows the current build
already serves is linked into the next build, not written again; a changed part, a part of a
mart whose layout changed, or a first build is written. The manifest says which, and a linked
part keeps its digest."""

from __future__ import annotations

import json

import duckdb

from shopper_propensity.serving import publish
from shopper_propensity.sql_literals import sql_literal

LAYOUT = json.dumps({"columns": [["day", "date"], ["visits", "bigint"]], "order": "day",
                     "parts_by_month": "day"})


def mart(parts: dict[str, tuple[int, str]], layout: str = LAYOUT) -> dict:
    return {"name": "visits", "layout": layout, "parted": True, "description": "Visits per day.",
            "columns": [{"name": "day", "description": "Day."}, {"name": "visits", "description": "Visits."}],
            "parts": [{"part": part, "rows": rows, "fingerprint": fingerprint}
                      for part, (rows, fingerprint) in parts.items()]}


def build(exports, build_id: str, served: dict) -> list[str]:
    """One build of the `visits` mart as the hook runs it; the parts it had to write."""
    publish.begin(str(exports), build_id)
    to_write = json.loads(publish.stage(str(exports), build_id, json.dumps(served)))
    for part in to_write:
        first_day = sql_literal(part["part"] + "-01")
        duckdb.execute(f"copy (select cast({first_day} as date) + cast(i as integer) as day, i as visits "
                       f"from range(3) as t(i)) to {sql_literal(part['path'])} (format parquet)")
    built = {key: served[key] for key in ("name", "layout", "parted", "parts", "description", "columns")}
    publish.publish(str(exports), build_id, json.dumps({
        "invocation_id": build_id, "command": "build", "selection": None, "started_at": "2026-12-01T00:00:00",
        "marts": [built]}))
    return sorted(part["part"] for part in to_write)


def served_files(exports) -> dict[str, dict]:
    manifest = json.loads((exports / "current" / "manifest.json").read_text())
    [visits] = manifest["marts"]
    assert visits["file"] == "visits/*.parquet" and visits["rows"] == 3 * len(visits["files"])
    return {entry["file"]: entry for entry in visits["files"]}


def test_unchanged_parts_are_linked_and_changed_ones_written(tmp_path):
    exports = tmp_path / "exports"
    assert build(exports, "b1", mart({"2023-11": (3, "11"), "2023-12": (3, "12")})) == ["2023-11", "2023-12"]
    first = served_files(exports)
    assert [entry["kept"] for entry in first.values()] == [False, False]

    # the next day: December changed, November did not; January is new
    written = build(exports, "b2", mart({"2023-11": (3, "11"), "2023-12": (3, "12b"), "2024-01": (3, "01")}))
    assert written == ["2023-12", "2024-01"]
    second = served_files(exports)
    assert {file: entry["kept"] for file, entry in second.items()} == {
        "visits/2023-11.parquet": True, "visits/2023-12.parquet": False, "visits/2024-01.parquet": False}
    november = exports / "builds" / "b2" / "visits" / "2023-11.parquet"
    assert november.samefile(exports / "builds" / "b1" / "visits" / "2023-11.parquet")
    assert second["visits/2023-11.parquet"]["sha256"] == first["visits/2023-11.parquet"]["sha256"]
    # the serving file's view reads every part under current/
    with duckdb.connect(str(exports / "serving.duckdb"), read_only=True) as connection:
        assert connection.execute("select count(*), count(distinct day) from visits").fetchone() == (9, 9)

    # a part the previous build lost is written again, as is every part after a layout change
    (exports / "builds" / "b2" / "visits" / "2024-01.parquet").unlink()
    assert build(exports, "b3", mart({"2023-11": (3, "11"), "2023-12": (3, "12b"), "2024-01": (3, "01")})) \
        == ["2024-01"]
    other_layout = LAYOUT.replace("bigint", "integer")
    assert build(exports, "b4", mart({"2023-11": (3, "11")}, other_layout)) == ["2023-11"]
    # the builds before the previous one are removed; linked files live on in the later ones
    assert sorted(path.name for path in (exports / "builds").iterdir()) == ["b3", "b4"]
    assert (exports / "builds" / "b3" / "visits" / "2023-11.parquet").stat().st_nlink == 1
