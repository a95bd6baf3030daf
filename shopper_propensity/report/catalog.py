"""The report's figures as the dbt exposures declare them (models/exposures/_report__exposures.yml).

An exposure is the one home of a figure's title (label), caption (description), the marts it
reads (depends_on) and its place in the report (config.meta); the drawing code is keyed by
exposure name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

EXPOSURES_FILE = Path("models") / "exposures" / "_report__exposures.yml"
_REF = re.compile(r"""^ref\(\s*['"]([A-Za-z0-9_]+)['"]\s*\)$""")


@dataclass(frozen=True)
class FigureSpec:
    """One figure: what it is called, what it says, what it reads, where it goes."""

    name: str
    title: str
    caption: str
    section: str
    marts: tuple[str, ...]
    seed_figure: str | None
    empty_reason: str


def load_figure_specs(project_dir: Path) -> list[FigureSpec]:
    """Figures in the order the exposures file lists them."""
    path = Path(project_dir) / EXPOSURES_FILE
    document = yaml.safe_load(path.read_text())
    return [_spec(path, exposure) for exposure in document["exposures"]]


def _spec(path: Path, exposure: dict) -> FigureSpec:
    name = exposure["name"]
    meta = exposure.get("config", {}).get("meta", {})
    marts = []
    for dependency in exposure.get("depends_on") or []:
        match = _REF.match(dependency.strip())
        if not match:
            raise ValueError(
                f"{path}: exposure {name} depends on {dependency!r}; the report reads marts by ref('<name>') only"
            )
        marts.append(match.group(1))
    for required in ("label", "description"):
        if not str(exposure.get(required) or "").strip():
            raise ValueError(f"{path}: exposure {name} has no {required} (the figure's title and caption)")
    if "section" not in meta:
        raise ValueError(f"{path}: exposure {name} has no config.meta.section")
    return FigureSpec(
        name=name,
        title=" ".join(exposure["label"].split()),
        caption=" ".join(exposure["description"].split()),
        section=meta["section"],
        marts=tuple(marts),
        seed_figure=meta.get("seed_figure"),
        empty_reason=" ".join(str(meta.get("empty_reason") or "the mart has no rows").split()),
    )
