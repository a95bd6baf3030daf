"""The files the generator writes: each table's columns and types (the input contract of SPEC.md,
plus the hidden truth tables), the formats it writes them in, and the file layouts."""

from __future__ import annotations

SCHEMAS: dict[str, tuple[tuple[str, str], ...]] = {
    "sessions": (
        ("machine_id", "BIGINT"), ("site_session_id", "UBIGINT"), ("user_session_id", "BIGINT"),
        ("domain_id", "UBIGINT"), ("ref_domain__name", "VARCHAR"), ("pages_viewed", "INTEGER"),
        ("duration", "INTEGER"), ("event_date", "DATE"), ("event_time", "VARCHAR"),
        ("hoh_most_education", "INTEGER"), ("census_region", "INTEGER"), ("household_size", "INTEGER"),
        ("hoh_oldest_age", "INTEGER"), ("household_income", "INTEGER"), ("children", "INTEGER"),
        ("racial_background", "INTEGER"), ("connection_speed", "INTEGER"), ("hispanic", "INTEGER"),
        ("zip_code", "INTEGER"), ("domain_name", "VARCHAR"),
    ),
    "transactions": (
        ("machine_id", "BIGINT"), ("site_session_id", "UBIGINT"), ("prod_category_id", "BIGINT"),
        ("prod_name", "VARCHAR"), ("domain_id", "UBIGINT"), ("prod_qty", "INTEGER"),
        ("prod_totprice", "DOUBLE"), ("basket_tot", "DOUBLE"), ("event_date", "DATE"),
        ("event_time", "VARCHAR"), ("domain_name", "VARCHAR"),
    ),
    "campaign_exposures": (
        ("machine_id", "BIGINT"), ("campaign_id", "VARCHAR"), ("exposed_date", "DATE"),
        ("channel", "VARCHAR"), ("engaged_date", "DATE"),
    ),
    "truth/user_types": (("machine_id", "BIGINT"), ("user_type", "VARCHAR")),
    "truth/campaign_intent": (("machine_id", "BIGINT"), ("campaign_id", "VARCHAR"), ("intent", "VARCHAR")),
    "truth/repeat_behaviour": (
        ("machine_id", "BIGINT"), ("domain_name", "VARCHAR"), ("lapse_probability", "DOUBLE"),
        ("purchases_before_lapse", "BIGINT"), ("lapse_date", "DATE"), ("active_until_date", "DATE"),
    ),
}
FORMATS = ("csv", "parquet")

# single: one file per table, <out>/<table>.<fmt>; daily: one file per date, <out>/<table>/<table>_<date>.<fmt>;
# hive: <out>/<table>/<column>=<date>/<table>_<date>.<fmt>, the date only in the folder name (as Spark and
# Hive write partitions). The truth tables are single files in every layout.
LAYOUTS = ("single", "daily", "hive")
# The date a row of a daily export belongs to: the day it happened (an exposure row carries its
# engaged_date as the export holds it, which may be later).
PARTITION_COLUMNS = {"sessions": "event_date", "transactions": "event_date", "campaign_exposures": "exposed_date"}
