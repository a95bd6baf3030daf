"""Shared fixtures: run the real dbt project against a throwaway panel and warehouse."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from shopper_propensity import warehouse
from shopper_propensity.sql_literals import sql_literal
from shopper_propensity.warehouse_fingerprint import table_fingerprints

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")


def project_vars() -> dict:
    """The vars of dbt_project.yml: the one home of every setting's default."""
    return yaml.safe_load((REPO_ROOT / "dbt_project.yml").read_text())["vars"]


def project_settings(settings_class, **overrides):
    """A settings family (shopper_propensity.settings) as a dbt Python model builds it from the
    project's vars, with some vars overridden."""
    return settings_class.from_meta({**project_vars(), **overrides})


def generate_panel(out_dir: Path, sessions: int, seed: int = 11, panel_format: str = "csv",
                   scenario: str = "default", *options: str) -> Path:
    """Write a small synthetic panel (of a scenario) with the project's own generator CLI;
    `options` e.g. "--layout", "daily"."""
    subprocess.run(
        [sys.executable, "-m", "shopper_propensity.panel", "--sessions", str(sessions), "--seed", str(seed),
         "--format", panel_format, "--scenario", scenario, "--out", str(out_dir), *options],
        check=True, capture_output=True, text=True,
    )
    return out_dir


def rewrite_panel_file(path: Path, select: str, options: str = "format parquet") -> None:
    """Replace a panel file with the rows of `select`, in which {file} stands for the file."""
    scratch = path.with_name(path.name + ".tmp")
    with duckdb.connect() as connection:
        rows = select.replace("{file}", sql_literal(str(path)))
        connection.execute(f"copy ({rows}) to {sql_literal(str(scratch))} ({options})")
    scratch.replace(path)


class DbtProject:
    """The repo's dbt project pointed at one panel folder and one private warehouse file."""

    def __init__(self, work_dir: Path, panel_dir: Path, panel_format: str = "csv", panel_layout: str = "single"):
        self.database = work_dir / "warehouse.duckdb"
        self.target = work_dir / "target"
        self.env = {
            **os.environ,
            "DBT_PROFILES_DIR": str(REPO_ROOT),
            "SHOPPER_PANEL_DIR": str(panel_dir),
            "SHOPPER_PANEL_FORMAT": panel_format,
            "SHOPPER_PANEL_LAYOUT": panel_layout,
            "SHOPPER_DUCKDB_PATH": str(self.database),
            "SHOPPER_MEMORY_LIMIT": "2GB",
            # the model artifacts and the served exports of this build, apart from the project's
            "SHOPPER_ARTIFACT_DIR": str(work_dir / "artifacts"),
            "SHOPPER_EXPORTS_DIR": str(work_dir / "exports"),
        }
        self.exports = work_dir / "exports"

    def command(self, *args: str) -> list[str]:
        return [str(DBT), *args, "--target-path", str(self.target), "--log-path", str(self.target / "logs")]

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(self.command(*args), cwd=REPO_ROOT, env=self.env, capture_output=True, text=True)

    def start(self, *args: str) -> subprocess.Popen:
        """dbt running in the background, its log lines readable from .stdout as they come."""
        return subprocess.Popen(self.command(*args), cwd=REPO_ROOT, env=self.env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def query(self, sql: str) -> list[tuple]:
        """Rows of `sql`, which names tables of any layer by their bare names."""
        with warehouse.connect(self.database) as connection:
            return connection.sql(sql).fetchall()

    def fingerprints(self) -> dict[str, str]:
        """Every table's fingerprint (opened read-write: a killed build may leave a WAL to replay)."""
        with warehouse.connect(self.database, read_only=False) as connection:
            return table_fingerprints(connection)


# Models and seeds without the data tests: what a test comparing tables needs (the tests run
# in make build and in the tests that are about them).
MODELS_AND_SEEDS = ("--resource-type", "model", "--resource-type", "seed")


@pytest.fixture(scope="session")
def clean_build(tmp_path_factory) -> tuple[Path, DbtProject]:
    """A small clean panel and a complete build of it, shared by the tests that compare other
    builds with it."""
    work = tmp_path_factory.mktemp("clean_build")
    panel = generate_panel(work / "panel", sessions=5_000)
    project = DbtProject(work, panel)
    result = project.run("build", *MODELS_AND_SEEDS)
    assert result.returncode == 0, result.stdout[-3000:]
    return panel, project


@pytest.fixture
def dbt_project_factory(tmp_path):
    def make(panel_dir: Path, panel_format: str = "csv", panel_layout: str = "single") -> DbtProject:
        return DbtProject(tmp_path, panel_dir, panel_format, panel_layout)

    return make


@pytest.fixture(scope="session")
def manifest(tmp_path_factory) -> dict:
    """The project's manifest as `dbt parse` writes it (no panel or warehouse needed)."""
    work = tmp_path_factory.mktemp("parse")
    result = subprocess.run(
        [str(DBT), "parse", "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        cwd=REPO_ROOT, capture_output=True, text=True, env={**os.environ, "DBT_PROFILES_DIR": str(REPO_ROOT)},
    )
    assert result.returncode == 0, result.stdout[-3000:]
    return json.loads((work / "target" / "manifest.json").read_text())


def served_marts(manifest: dict) -> dict[str, dict]:
    """{name: manifest node} of every served mart: the models whose contract is enforced, as the
    publishing hook selects them (macros/serving.sql)."""
    return {node["name"]: node for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["config"]["contract"]["enforced"]}
