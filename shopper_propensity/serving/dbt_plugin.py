"""The dbt-duckdb plugin that gives the build's connection the publishing steps as SQL functions
(profiles.yml lists it under `plugins`): the on-run-end hook publish_served_marts
(macros/serving.sql) calls them, since a dbt hook runs SQL only and the switch needs files
created and renamed."""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection
from duckdb.sqltypes import VARCHAR

from shopper_propensity.serving import publish

FUNCTIONS = {
    "shopper_serving_begin": (publish.begin, [VARCHAR, VARCHAR]),
    "shopper_serving_publish": (publish.publish, [VARCHAR, VARCHAR, VARCHAR]),
}


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        for name, (function, parameters) in FUNCTIONS.items():
            # side effects: called once per call, never folded into a constant or cached
            conn.create_function(name, function, parameters, VARCHAR, side_effects=True)
