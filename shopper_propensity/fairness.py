"""Attributes that never enter a model or a served mart (SPEC.md): staging drops them before any
model, and the encoders refuse them as a second line of defence."""

from __future__ import annotations

from collections.abc import Iterable

PROTECTED_ATTRIBUTES = ("racial_background", "zip_code")


def protected_among(columns: Iterable[str]) -> list[str]:
    """The protected attributes among `columns`, sorted (empty when there are none)."""
    return sorted(set(PROTECTED_ATTRIBUTES) & set(columns))
