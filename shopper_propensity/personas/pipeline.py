"""The persona tables the dbt Python models return, one segmented domain after another (var
segment_domains): the k table (segment_k_selection), the users' segments at the chosen k
(user_segments), and both in one pass for a snapshot (user_segments_at_train_end)."""

from __future__ import annotations

import pandas as pd

from shopper_propensity.model_inputs import require_rows
from shopper_propensity.personas.names import EVIDENCE_COLUMNS
from shopper_propensity.personas.segmentation import (
    BEHAVIOR_FEATURES,
    DEMOGRAPHIC_FEATURES,
    PURCHASE_COUNT,
    assign_segments,
    chosen_k,
    select_k,
)
from shopper_propensity.settings import PersonaSettings
from shopper_propensity.sql_literals import sql_literal


def users_of_domain(user_rfm, domain: str, table_name: str) -> pd.DataFrame:
    """The columns segmentation needs, for one domain, from a DuckDB relation of user RFM.

    Ordered by machine_id: k-means depends on row order, and the same data must give the
    same segments every run.
    """
    columns = list(dict.fromkeys(["machine_id", "tenure_days", PURCHASE_COUNT, *BEHAVIOR_FEATURES,
                                  *EVIDENCE_COLUMNS, *DEMOGRAPHIC_FEATURES]))
    users = user_rfm.filter(f"domain_name = {sql_literal(domain)}").project(", ".join(columns)).order("machine_id").df()
    require_rows(users, f"{table_name} for segmented domain {domain!r} (var segment_domains)")
    return users


def k_selection(user_rfm, settings: PersonaSettings, table_name: str = "user_rfm") -> pd.DataFrame:
    """segment_k_selection: per segmented domain, inertia and silhouette of every k, the chosen k
    flagged, and the users clustered."""
    require_rows(user_rfm, table_name)
    tables = []
    for domain in settings.segment_domains:
        users = users_of_domain(user_rfm, domain, table_name)
        k_table = select_k(users, settings)
        k_table.insert(0, "domain_name", domain)
        k_table.insert(2, "users", len(users))
        tables.append(k_table)
    return pd.concat(tables, ignore_index=True)


def user_segments(user_rfm, k_table, settings: PersonaSettings, table_name: str = "user_rfm") -> pd.DataFrame:
    """user_segments: per segmented domain, every user's segment at the k that k_selection chose
    (k_table: a DuckDB relation of segment_k_selection)."""
    k_of_domain = dict(k_table.filter("is_chosen").project("domain_name, k").fetchall())
    require_rows(user_rfm, table_name)
    frames = []
    for domain in settings.segment_domains:
        assignments = assign_segments(users_of_domain(user_rfm, domain, table_name), k_of_domain[domain], settings)
        assignments.insert(1, "domain_name", domain)
        frames.append(assignments)
    return pd.concat(frames, ignore_index=True)


def select_and_segment(user_rfm, settings: PersonaSettings, table_name: str) -> pd.DataFrame:
    """user_segments_at_train_end: per segmented domain, k chosen as k_selection chooses it and
    every user's segment at that k, in one pass (the same result as k_selection followed by
    user_segments on the same table)."""
    require_rows(user_rfm, table_name)
    frames = []
    for domain in settings.segment_domains:
        users = users_of_domain(user_rfm, domain, table_name)
        assignments = assign_segments(users, chosen_k(select_k(users, settings)), settings)
        assignments.insert(1, "domain_name", domain)
        frames.append(assignments)
    return pd.concat(frames, ignore_index=True)
