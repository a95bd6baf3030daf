"""The persona tables the dbt Python models return, one segmented domain after another (var
segment_domains): the k table (segment_k_selection), the users' segments at the chosen k
(user_segments), and both in one pass for a snapshot (user_segments_at_train_end)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from shopper_propensity.model_inputs import orders_only_table, require_rows
from shopper_propensity.personas.names import EVIDENCE_COLUMNS
from shopper_propensity.personas.segmentation import (
    BEHAVIOR_FEATURES,
    DEMOGRAPHIC_FEATURES,
    FREQUENCY,
    PURCHASE_COUNT,
    assign_segments,
    chosen_k,
    select_k,
)
from shopper_propensity.settings import PersonaSettings
from shopper_propensity.sql_literals import sql_literal


def users_of_domain(user_rfm, domain: str, table_name: str) -> pd.DataFrame:
    """The columns segmentation needs, for one domain, from a DuckDB relation of user RFM: the
    users seen visiting (personas are clustered on browsing as well as buying).

    Ordered by machine_id: k-means depends on row order, and the same data must give the
    same segments every run.
    """
    columns = list(dict.fromkeys(["machine_id", "tenure_days", PURCHASE_COUNT, *BEHAVIOR_FEATURES,
                                  *EVIDENCE_COLUMNS, *DEMOGRAPHIC_FEATURES]))
    seen_visiting = f"domain_name = {sql_literal(domain)} and {FREQUENCY} is not null"
    users = user_rfm.filter(seen_visiting).project(", ".join(columns)).order("machine_id").df()
    require_rows(users, f"{table_name} for segmented domain {domain!r} (var segment_domains)")
    return users


K_SELECTION_SCHEMA = pa.schema([
    ("domain_name", pa.string()), ("k", pa.int64()), ("users", pa.int64()), ("inertia", pa.float64()),
    ("silhouette", pa.float64()), ("is_chosen", pa.bool_()),
])
SEGMENTS_SCHEMA = pa.schema([
    ("machine_id", pa.int64()), ("domain_name", pa.string()), ("segment_id", pa.int64()), ("persona", pa.string()),
    ("distance_to_centroid", pa.float64()), ("segment_count", pa.int64()),
    *((f"z_{feature}", pa.float64()) for feature in BEHAVIOR_FEATURES),
])


def k_selection(user_rfm, settings: PersonaSettings, table_name: str = "user_rfm") -> pd.DataFrame | pa.Table:
    """segment_k_selection: per segmented domain, inertia and silhouette of every k, the chosen k
    flagged, and the users clustered."""
    if not settings.panel_has_sessions:
        return orders_only_table(K_SELECTION_SCHEMA)
    require_rows(user_rfm, table_name)
    tables = []
    for domain in settings.segment_domains:
        users = users_of_domain(user_rfm, domain, table_name)
        k_table = select_k(users, settings)
        k_table.insert(0, "domain_name", domain)
        k_table.insert(2, "users", len(users))
        tables.append(k_table)
    return pd.concat(tables, ignore_index=True)


def user_segments(user_rfm, k_table, settings: PersonaSettings,
                  table_name: str = "user_rfm") -> pd.DataFrame | pa.Table:
    """user_segments: per segmented domain, every user's segment at the k that k_selection chose
    (k_table: a DuckDB relation of segment_k_selection)."""
    if not settings.panel_has_sessions:
        return orders_only_table(SEGMENTS_SCHEMA)
    k_of_domain = dict(k_table.filter("is_chosen").project("domain_name, k").fetchall())
    require_rows(user_rfm, table_name)
    frames = []
    for domain in settings.segment_domains:
        assignments = assign_segments(users_of_domain(user_rfm, domain, table_name), k_of_domain[domain], settings)
        assignments.insert(1, "domain_name", domain)
        frames.append(assignments)
    return pd.concat(frames, ignore_index=True)


def select_and_segment(user_rfm, settings: PersonaSettings, table_name: str) -> pd.DataFrame | pa.Table:
    """user_segments_at_train_end: per segmented domain, k chosen as k_selection chooses it and
    every user's segment at that k, in one pass (the same result as k_selection followed by
    user_segments on the same table)."""
    if not settings.panel_has_sessions:
        return orders_only_table(SEGMENTS_SCHEMA)
    require_rows(user_rfm, table_name)
    frames = []
    for domain in settings.segment_domains:
        users = users_of_domain(user_rfm, domain, table_name)
        assignments = assign_segments(users, chosen_k(select_k(users, settings)), settings)
        assignments.insert(1, "domain_name", domain)
        frames.append(assignments)
    return pd.concat(frames, ignore_index=True)
