"""A table's fingerprint ignores row order and sees one changed bit or type."""

from __future__ import annotations

import duckdb

from shopper_propensity.warehouse_fingerprint import table_fingerprints


def fingerprints(*statements: str) -> dict[str, str]:
    with duckdb.connect() as connection:
        for statement in statements:
            connection.execute(statement)
        return table_fingerprints(connection)


def test_row_order_does_not_count_but_the_last_bit_and_the_type_do():
    base = fingerprints("create table t as select k, x::double as x from (values (1, 0.1), (2, 0.2)) as v(k, x)")
    reordered = fingerprints("create table t as select k, x::double as x from (values (2, 0.2), (1, 0.1)) as v(k, x)")
    last_bit = fingerprints(
        "create table t as select k, x::double as x from (values (1, 0.1), (2, nextafter(0.2::double, 1.0))) as v(k, x)"
    )
    retyped = fingerprints("create table t as select k, x::float as x from (values (1, 0.1), (2, 0.2)) as v(k, x)")
    assert base == reordered
    assert base != last_bit
    assert base != retyped


def test_the_build_log_is_left_out():
    table = "create table t as select 1 as k"
    assert fingerprints("create table warehouse_builds as select now() as started_at", table) == fingerprints(table)
    assert fingerprints("create table incremental_slices as select now() as recorded_at", table) == fingerprints(table)
