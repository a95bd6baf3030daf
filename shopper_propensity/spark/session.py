"""The SparkSession of the Spark jobs: the one dbt-spark's session method opens in the same
process (getOrCreate), configured by the cluster or, locally, by SPARK_CONF_DIR (the Makefile
points it at shopper_propensity/spark/conf)."""

from __future__ import annotations

import os
import sys


def spark_session(app_name: str = "shopper_propensity"):
    """The active SparkSession, or a new one with the Hive catalog dbt-spark uses."""
    from pyspark.sql import SparkSession

    # the Python workers of mapInArrow run this interpreter, where the package is installed
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return SparkSession.builder.appName(app_name).enableHiveSupport().getOrCreate()
