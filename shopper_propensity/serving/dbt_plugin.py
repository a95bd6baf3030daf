"""The dbt-duckdb plugin that gives the build's connection the publishing steps as SQL functions
(profiles.yml lists it under `plugins`): the on-run-end hooks publish_served_marts
(macros/serving.sql) and export_target_lists (macros/target_lists.sql) call them, since a dbt
hook runs SQL only and the switch needs files created and renamed."""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection
from duckdb.sqltypes import VARCHAR

from shopper_propensity.serving import publish, target_lists

FUNCTIONS = {
    "shopper_serving_begin": (publish.begin, [VARCHAR, VARCHAR]),
    "shopper_serving_stage": (publish.stage, [VARCHAR, VARCHAR, VARCHAR]),
    "shopper_serving_publish": (publish.publish, [VARCHAR, VARCHAR, VARCHAR]),
    # the daily target lists' files (macros/target_lists.sql)
    "shopper_target_lists_begin": (target_lists.begin, [VARCHAR, VARCHAR]),
    "shopper_target_list_file": (target_lists.file_name, [VARCHAR]),
    "shopper_target_lists_publish": (target_lists.publish, [VARCHAR, VARCHAR]),
}


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        for name, (function, parameters) in FUNCTIONS.items():
            # side effects: called once per call, never folded into a constant or cached
            conn.create_function(name, function, parameters, VARCHAR, side_effects=True)
