"""The project on Spark (README "Running on Spark"): what replaces dbt-duckdb's Python models
when the SQL layer runs through dbt-spark, whose session method runs no Python model.

Modules: ``session`` (the SparkSession the jobs share with dbt-spark), ``relation`` (the part of
DuckDB's relation API the package reads tables with, over Spark SQL), ``tables`` (a model's
frame written as a Spark table), ``scoring`` (the scoring job: session_features scored by
every registry model with mapInArrow, spark-submit-able), ``python_models`` (a dbt Python
model run on the driver against Spark tables) and ``build`` (dbt build on Spark with the Python
models run by this package in between). ``conf/`` holds the local Spark configuration.
"""
