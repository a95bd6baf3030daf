"""Array helpers the simulation shares: per-record fields, grouped categorical draws, group starts."""

from __future__ import annotations

import numpy as np


def field_values(records, name: str) -> np.ndarray:
    """Column `name` of a tuple of dataclasses, as an array indexable by record number."""
    return np.array([getattr(r, name) for r in records])


def draw_categorical(rng: np.random.Generator, probs: np.ndarray, group: np.ndarray) -> np.ndarray:
    """One draw per row from the categorical distribution `probs[group[row]]` (G x K table)."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(group))
    out = np.zeros(len(group), dtype=np.int8)
    for k in range(probs.shape[1] - 1):  # loop over categories, not rows
        out += u >= cum[group, k]
    return out


def group_starts(counts: np.ndarray) -> np.ndarray:
    return np.cumsum(counts) - counts
