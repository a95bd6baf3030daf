"""Benchmark scales (session rows requested from the generator) and how each is generated."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """A named panel size and the formats built at it by default (Parquet first: the targets)."""

    name: str
    sessions: int
    formats: tuple[str, ...] = ("parquet", "csv")


SCALES = {s.name: s for s in (
    Scale("smoke", 50_000),  # seconds: checks the harness itself
    Scale("1m", 1_000_000),
    Scale("paper", 13_800_000),  # the reference study: 13.8M session rows, 2.3M transaction rows
    # 10x: a CSV copy would be ~20 GB more disk and a second multi-hour build; opt in with --formats.
    Scale("10x", 138_000_000, formats=("parquet",)),
)}

# Up to paper scale the panel is the generator's single-pass one (~0.25 GB of RSS per million
# rows, ~3.5 GB at paper scale), identical to `make panel PANEL_SESSIONS=...`.  Beyond, it is
# generated as household shards of at most SHARD_SESSIONS rows, one in memory at a time.
SINGLE_PASS_MAX_SESSIONS = 15_000_000
SHARD_SESSIONS = 5_000_000


def shards_for(sessions: int) -> int:
    """Generator shards for a panel of `sessions` rows."""
    return 1 if sessions <= SINGLE_PASS_MAX_SESSIONS else math.ceil(sessions / SHARD_SESSIONS)
