"""Shared fixtures: run the real dbt project against a throwaway panel and warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")


def generate_panel(out_dir: Path, sessions: int, seed: int = 11, panel_format: str = "csv",
                   scenario: str = "default") -> Path:
    """Write a small synthetic panel (of a scenario) with the project's own generator CLI."""
    subprocess.run(
        [sys.executable, "-m", "shopper_propensity.panel", "--sessions", str(sessions), "--seed", str(seed),
         "--format", panel_format, "--scenario", scenario, "--out", str(out_dir)],
        check=True, capture_output=True, text=True,
    )
    return out_dir


class DbtProject:
    """The repo's dbt project pointed at one panel folder and one private warehouse file."""

    def __init__(self, work_dir: Path, panel_dir: Path, panel_format: str = "csv"):
        self.database = work_dir / "warehouse.duckdb"
        self.target = work_dir / "target"
        self.env = {
            **os.environ,
            "DBT_PROFILES_DIR": str(REPO_ROOT),
            "SHOPPER_PANEL_DIR": str(panel_dir),
            "SHOPPER_PANEL_FORMAT": panel_format,
            "SHOPPER_DUCKDB_PATH": str(self.database),
            "SHOPPER_MEMORY_LIMIT": "2GB",
        }

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(DBT), *args, "--target-path", str(self.target), "--log-path", str(self.target / "logs")],
            cwd=REPO_ROOT, env=self.env, capture_output=True, text=True,
        )

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.database), read_only=True) as connection:
            return connection.sql(sql).fetchall()


@pytest.fixture
def dbt_project_factory(tmp_path):
    def make(panel_dir: Path, panel_format: str = "csv") -> DbtProject:
        return DbtProject(tmp_path, panel_dir, panel_format)

    return make
