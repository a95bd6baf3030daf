"""require_rows names the empty upstream table, for a DuckDB relation or a pandas frame."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from shopper_propensity.model_inputs import EmptyInputError, require_rows


def test_empty_relation_and_frame_are_named():
    with duckdb.connect() as connection:
        empty = connection.sql("select 1 as x where false")
        with pytest.raises(EmptyInputError, match="upstream table user_rfm has no rows"):
            require_rows(empty, "user_rfm")
        require_rows(connection.sql("select 1 as x"), "user_rfm")
    with pytest.raises(EmptyInputError, match="session_features"):
        require_rows(pd.DataFrame({"x": []}), "session_features")
    require_rows(pd.DataFrame({"x": [1]}), "session_features")
