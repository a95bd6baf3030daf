"""DuckDB's relation API, the part the package reads warehouse tables with, over Spark SQL.

The package's readers (propensity.inputs, model_health, evaluation, personas and campaign
pipelines) take a relation and call filter / project / order / limit / aggregate / join, then
collect with df / fetchall / to_arrow_table. SparkRelation builds the same query as Spark SQL
text, so Spark does the filtering, sampling and aggregating, and only what a reader asks for
(a bounded training sample, grouped counts, one model's predictions) reaches the driver. The
readers' SQL fragments are the common subset both engines parse (md5, ||, cast, case).
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa


class SparkRelation:
    def __init__(self, spark, query: str, order_by: str | None = None):
        self.spark = spark
        self.query = query
        self.order_by = order_by

    @classmethod
    def table(cls, spark, table_name: str) -> SparkRelation:
        return cls(spark, f"select * from {table_name}")

    def _select(self, columns: str, tail: str = "") -> SparkRelation:
        return SparkRelation(self.spark, f"select {columns} from ({self.query}) as relation {tail}".rstrip())

    def filter(self, predicate: str) -> SparkRelation:
        return self._select("*", f"where {predicate}")

    def project(self, columns: str) -> SparkRelation:
        return self._select(columns)

    def aggregate(self, expressions: str, group_by: str | None = None) -> SparkRelation:
        return self._select(expressions, f"group by {group_by}" if group_by else "")

    def order(self, order_by: str) -> SparkRelation:
        return SparkRelation(self.spark, self.query, order_by)

    def limit(self, rows: int) -> SparkRelation:
        ordered = f"order by {self.order_by} " if self.order_by else ""
        return SparkRelation(self.spark, f"select * from ({self.query}) as relation {ordered}limit {int(rows)}",
                             self.order_by)

    def join(self, other: SparkRelation, using: str) -> SparkRelation:
        return SparkRelation(self.spark, f"select * from ({self.query}) as l join ({other.query}) as r using ({using})")

    @property
    def sql(self) -> str:
        return f"select * from ({self.query}) as relation order by {self.order_by}" if self.order_by else self.query

    def dataframe(self):
        return self.spark.sql(self.sql)

    def to_arrow_table(self) -> pa.Table:
        return self.dataframe().toArrow()

    def df(self) -> pd.DataFrame:
        """As DuckDB's .df(): decimals as float64 (Spark would hand out Decimal objects)."""
        from pyspark.sql.types import DecimalType

        frame = self.dataframe()
        decimals = [field.name for field in frame.schema.fields if isinstance(field.dataType, DecimalType)]
        for column in decimals:
            frame = frame.withColumn(column, frame[column].cast("double"))
        return frame.toPandas()

    def fetchall(self) -> list[tuple]:
        return [tuple(row) for row in self.dataframe().collect()]
