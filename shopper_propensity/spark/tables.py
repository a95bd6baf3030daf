"""What a dbt Python model returns, written as the Spark table dbt would have made of it."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa


def as_arrow(frame: pd.DataFrame | pa.Table | pa.RecordBatchReader) -> pa.Table:
    """A model's frame as an Arrow table. A column with no value to infer a type from (an empty
    table's text columns) becomes text, as DuckDB makes it of an empty object column."""
    if isinstance(frame, pa.RecordBatchReader):
        table = frame.read_all()
    elif isinstance(frame, pd.DataFrame):
        table = pa.Table.from_pandas(frame, preserve_index=False)
    else:
        table = frame
    schema = pa.schema([field.with_type(pa.string()) if pa.types.is_null(field.type) else field
                        for field in table.schema])
    return table.cast(schema)


def write_table(spark, frame, table_name: str) -> int:
    """Replace table_name (schema.table) with frame - a pandas or Arrow frame, a record batch
    reader or a Spark DataFrame - as Parquet, the format dbt-spark's tables have. Returns rows."""
    from pyspark.sql import DataFrame

    data = frame if isinstance(frame, DataFrame) else spark.createDataFrame(as_arrow(frame))
    spark.sql(f"create schema if not exists {table_name.rsplit('.', 1)[0]}")
    data.write.mode("overwrite").format("parquet").saveAsTable(table_name)
    return spark.table(table_name).count()
