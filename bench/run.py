"""`python -m bench --scale 1m`: generate the panel, measure the raw-scan floor, run a full
`dbt build` with DuckDB's memory_limit set, run the pandas baseline on the same files, and
write bench/runs/<scale>/report.json and report.md.  See bench/README.md.

Every step runs in its own process under bench.procmon (wall time, peak RSS of the process
tree, caps), with its own warehouse, target and log folders under bench/runs/<scale>/<format>/,
so a benchmark never touches the project's own warehouse or target/.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import math
import os
import platform
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import daily, dbt_results, profiles, report
from bench.procmon import Measured, run_measured
from bench.scales import SCALES, Scale, shards_for

REPO = Path(__file__).resolve().parents[1]
RUNS_DIR = REPO / "bench" / "runs"
PANELS_DIR = REPO / "data" / "bench"
PANEL_MARKER = "bench_panel.json"  # written after a complete generation; its settings decide reuse
GENERATOR = REPO / "shopper_propensity" / "panel"  # the package: every module is hashed
VERSIONED = ("duckdb", "dbt-core", "dbt-duckdb", "pandas", "pyarrow", "numpy", "xgboost", "xgboost-cpu", "scikit-learn")


# ------------------------------------------------------------------------------------------
# Machine and environment
# ------------------------------------------------------------------------------------------


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _versions() -> dict[str, str]:
    """Installed versions of the packages timings depend on (absent ones left out)."""
    found = {"python": platform.python_version()}
    for package in VERSIONED:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            pass
    return found


def machine_info() -> dict:
    """CPU model, cores, RAM (and a container's memory cap), load, versions: what timings depend on."""
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    mem_kb = next((int(line.split()[1]) for line in _read("/proc/meminfo").splitlines()
                   if line.startswith("MemTotal:")), 0)
    cgroup = _read("/sys/fs/cgroup/memory.max").strip()
    return {
        "cpu_model": cpu,
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "ram_bytes": mem_kb * 1024,
        "cgroup_memory_max": int(cgroup) if cgroup.isdigit() else None,
        "load_avg_start": list(os.getloadavg()),
        "kernel": platform.release(),
        "versions": _versions(),
    }


def git_state() -> dict:
    """Commit and count of uncommitted files (read-only git calls)."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    return {"commit": git("rev-parse", "--short", "HEAD") or "unknown",
            "dirty_files": len([line for line in git("status", "--porcelain").splitlines() if line])}


def child_env(**overrides: str) -> dict:
    """This environment plus the repo on PYTHONPATH, dbt's usage stats off, and `overrides`."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env.update(overrides)
    return env


def dbt_executable() -> str:
    """The dbt next to this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def _failed(step: str, measured: Measured) -> str:
    return f"{step} failed (exit {measured.returncode}, stopped: {measured.stopped}); see {measured.stderr}"


# ------------------------------------------------------------------------------------------
# Steps
# ------------------------------------------------------------------------------------------


def _generator_sha256() -> str:
    """Hash of the generator's source (every module of the package, in name order)."""
    digest = hashlib.sha256()
    for path in sorted(GENERATOR.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_panel(scale: Scale, fmt: str, seed: int, shards: int, regenerate: bool, log_dir: Path) -> dict:
    """The panel under data/bench/<scale>-<format>/, generated unless one with the same settings
    by the same generator code is there."""
    out = PANELS_DIR / f"{scale.name}-{fmt}"
    wanted = {"sessions": scale.sessions, "seed": seed, "shards": shards, "format": fmt,
              "generator_sha256": _generator_sha256()}
    marker = out / PANEL_MARKER
    if not regenerate and marker.exists() and json.loads(marker.read_text()) == wanted:
        return {"dir": str(out), **wanted, "generation": None}
    marker.unlink(missing_ok=True)  # an interrupted generation must not look complete
    command = [sys.executable, "-m", "shopper_propensity.panel", "--sessions", str(scale.sessions),
               "--seed", str(seed), "--out", str(out), "--format", fmt, "--shards", str(shards)]
    measured = run_measured(command, log_dir=log_dir, name=f"generate-{fmt}", env=child_env(), cwd=REPO)
    if not measured.ok:
        raise SystemExit(_failed("panel generation", measured))
    marker.write_text(json.dumps(wanted))
    return {"dir": str(out), **wanted, "generation": measured.to_dict()}


def measure_floor(panel_dir: Path, fmt: str, memory_limit: str, repeats: int, log_dir: Path) -> dict:
    """Raw-scan floor of the panel files (bench/scan_floor.py in its own process)."""
    command = [sys.executable, str(REPO / "bench" / "scan_floor.py"), "--panel-dir", str(panel_dir),
               "--format", fmt, "--memory-limit", memory_limit, "--repeats", str(repeats)]
    measured = run_measured(command, log_dir=log_dir, name=f"floor-{fmt}", env=child_env(), cwd=REPO)
    if not measured.ok:
        raise SystemExit(_failed("raw-scan floor", measured))
    return {**json.loads(Path(measured.stdout).read_text()), "measured": measured.to_dict()}


def run_build(panel_dir: Path, fmt: str, memory_limit: str, build_dir: Path, *, layout: str = "single",
              fresh: bool = True, dbt_args: tuple[str, ...] | list[str] = (), name: str = "dbt-build") -> dict:
    """A `dbt build` (fresh: from an empty warehouse and target; else on the folder's warehouse,
    artifacts and target, i.e. an incremental run), then its timings and row counts."""
    if fresh:
        shutil.rmtree(build_dir, ignore_errors=True)  # full parse, every table built
    warehouse = build_dir / "warehouse.duckdb"
    # DuckDB spills to <database>.tmp next to a file database.
    command, env = dbt_invocation("build", panel_dir, fmt, memory_limit, build_dir, layout, dbt_args)
    measured = run_measured(command, log_dir=build_dir, name=name, env=env, cwd=REPO,
                            watch_dir=warehouse.with_name(warehouse.name + ".tmp"))
    return {"dir": str(build_dir), "measured": measured.to_dict(), **build_results(build_dir)}


def dbt_invocation(dbt_command: str, panel_dir: Path, fmt: str, memory_limit: str, build_dir: Path, layout: str,
                 dbt_args: tuple[str, ...] | list[str]) -> tuple[list[str], dict]:
    """The command line and environment of a dbt command on the build folder's warehouse."""
    command = [dbt_executable(), dbt_command, "--project-dir", str(REPO), "--profiles-dir", str(REPO),
               "--target-path", str(build_dir / "target"), "--log-path", str(build_dir / "logs"), *dbt_args]
    # the model artifacts and the served exports would otherwise land in the project's own folders
    env = child_env(DBT_PROFILES_DIR=str(REPO), SHOPPER_PANEL_DIR=str(panel_dir), SHOPPER_PANEL_FORMAT=fmt,
                    SHOPPER_PANEL_LAYOUT=layout, SHOPPER_DUCKDB_PATH=str(build_dir / "warehouse.duckdb"),
                    SHOPPER_MEMORY_LIMIT=memory_limit, SHOPPER_ARTIFACT_DIR=str(build_dir / "artifacts"),
                    SHOPPER_EXPORTS_DIR=str(build_dir / "exports"))
    return command, env


def build_results(build_dir: Path) -> dict:
    """Per-node timings and their sums from the build's target/, row counts from its warehouse."""
    target, warehouse = build_dir / "target", build_dir / "warehouse.duckdb"
    results = {"warehouse_bytes": None}
    if (target / "run_results.json").exists():
        timings = dbt_results.node_timings(target)
        features = dbt_results.lineage(target / "manifest.json")
        results.update(timings=timings, summary=dbt_results.summarize_timings(timings, features),
                       critical_path=dbt_results.critical_path(target),
                       dbt_elapsed_s=json.loads((target / "run_results.json").read_text()).get("elapsed_time"))
    if warehouse.exists() and (target / "manifest.json").exists():
        facts = dbt_results.warehouse_facts(warehouse, target / "manifest.json")
        results.update(rows=facts["counts"], accounting=facts["accounting"],
                       stages=dbt_results.stage_rows(facts["counts"]), warehouse_bytes=warehouse.stat().st_size)
    return results


def refresh_report(data: dict) -> dict:
    """report.json re-read from the build folders it names (for a harness that has changed)."""
    for entry in data["formats"].values():
        if entry.get("build") and Path(entry["build"]["dir"]).exists():
            entry["build"].update(build_results(Path(entry["build"]["dir"])))
    data["checks"] = report.evaluate_checks(data)
    return data


def baseline_status(measured: Measured, time_cap_min: float, rss_cap: int) -> str:
    """'finished', or how the pandas baseline was stopped, in the report's words."""
    if measured.stopped == "time":
        return f"did not finish in {time_cap_min:g} min"
    if measured.stopped == "memory":
        return f"stopped at the {report.fmt_bytes(rss_cap)} memory cap after {report.fmt_s(measured.wall_s)}"
    return "finished" if measured.ok else f"failed (exit {measured.returncode})"


def run_baseline(panel_dir: Path, fmt: str, recency: str, time_cap_min: float, rss_cap: int, log_dir: Path) -> dict:
    """The pandas baseline (bench/pandas_baseline.py) on the same files, under its caps."""
    command = [sys.executable, str(REPO / "bench" / "pandas_baseline.py"), "--panel-dir", str(panel_dir),
               "--format", fmt, "--recency", recency]
    measured = run_measured(command, log_dir=log_dir, name=f"pandas-{fmt}", env=child_env(), cwd=REPO,
                            time_cap_s=time_cap_min * 60, rss_cap_bytes=rss_cap)
    result = json.loads(Path(measured.stdout).read_text()) if measured.ok else None
    status = baseline_status(measured, time_cap_min, rss_cap)
    return {"status": status, "measured": measured.to_dict(), "result": result}


# ------------------------------------------------------------------------------------------
# CLI
# ------------------------------------------------------------------------------------------


def _formats(text: str) -> list[str]:
    formats = [f.strip() for f in text.split(",") if f.strip() and f.strip() != "none"]
    unknown = set(formats) - {"csv", "parquet"}
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown format(s): {', '.join(sorted(unknown))}")
    return formats


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ram = machine_info()["ram_bytes"]
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=SCALES, default="1m")
    parser.add_argument("--formats", type=_formats, help="panel formats to build, e.g. parquet,csv "
                        "(default: the scale's; parquet first, it carries the targets)")
    parser.add_argument("--baseline-formats", type=_formats,
                        help="formats to run the pandas baseline on ('none' to skip; default: the built formats)")
    parser.add_argument("--baseline-minutes", type=float, default=20.0, help="pandas baseline time cap")
    parser.add_argument("--baseline-rss-cap-gb", type=float, default=math.floor(0.75 * ram / report.GB),
                        help="stop the pandas baseline above this RSS (default: 75%% of RAM)")
    parser.add_argument("--baseline-recency", choices=("reference", "vectorized"), default="reference",
                        help="reference = the study's per-group Python transform")
    parser.add_argument("--memory-limit", default="6GB", help="DuckDB memory_limit for the build "
                        "(below the 8 GB target: the Python models' memory is outside DuckDB's limit)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shards", type=int, help="generator shards (default: by size, see bench/scales.py)")
    parser.add_argument("--floor-repeats", type=int, default=2)
    parser.add_argument("--regenerate", action="store_true", help="regenerate the panel even if present")
    parser.add_argument("--no-daily", action="store_true",
                        help="skip the daily step (the panel as daily files: full build, one day appended, "
                             "incremental build; Parquet, single-pass panels only)")
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the report from report.json and the build folders, running nothing "
                             "(e.g. to refresh the scaling curve after another scale has run)")
    return parser.parse_args(argv)


def write_report(data: dict, run_dir: Path) -> Path:
    """report.json and report.md (with the curve over every scale's report) in `run_dir`."""
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "report.json").write_text(json.dumps(data, indent=2) + "\n")
    markdown = report.render_markdown(data, report.curve_points(RUNS_DIR, data))
    (run_dir / "report.md").write_text(markdown)
    return run_dir / "report.md"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scale = SCALES[args.scale]
    run_dir = RUNS_DIR / scale.name
    if args.report_only:
        data = refresh_report(json.loads((run_dir / "report.json").read_text()))
        print(write_report(data, run_dir))
        return 0
    formats = args.formats or list(scale.formats)
    baseline_formats = formats if args.baseline_formats is None else args.baseline_formats
    shards = args.shards or shards_for(scale.sessions)
    log_dir = run_dir / "logs"
    shutil.rmtree(log_dir, ignore_errors=True)
    data = {
        "scale": scale.name, "sessions_requested": scale.sessions,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(), "git": git_state(),
        "settings": {"memory_limit": args.memory_limit, "seed": args.seed, "shards": shards,
                     "formats": formats, "baseline_formats": baseline_formats,
                     "baseline_time_cap_min": args.baseline_minutes,
                     "baseline_rss_cap_bytes": int(args.baseline_rss_cap_gb * report.GB),
                     "baseline_recency": args.baseline_recency, "floor_repeats": args.floor_repeats},
        "formats": {},
    }
    for fmt in dict.fromkeys(formats + baseline_formats):
        print(f"[bench {scale.name}] {fmt}: panel", flush=True)
        panel = ensure_panel(scale, fmt, args.seed, shards, args.regenerate, log_dir)
        panel_dir = Path(panel["dir"])
        entry = data["formats"][fmt] = {"panel": panel}
        if fmt in formats:
            print(f"[bench {scale.name}] {fmt}: raw-scan floor", flush=True)
            entry["floor"] = measure_floor(panel_dir, fmt, args.memory_limit, args.floor_repeats, log_dir)
            print(f"[bench {scale.name}] {fmt}: dbt build", flush=True)
            entry["build"] = run_build(panel_dir, fmt, args.memory_limit, run_dir / fmt)
            if report.headline(entry)["build_ok"]:
                print(f"[bench {scale.name}] {fmt}: DuckDB profiles (slowest SQL models, features lineage)", flush=True)
                entry["build"]["profiles"] = profiles.profile_build_apart(run_dir / fmt, args.memory_limit)
            if fmt == report.TARGET_FORMAT and shards == 1 and not args.no_daily:
                print(f"[bench {scale.name}] {fmt}: daily step (full build, one day appended, incremental)", flush=True)
                entry["daily"] = daily.run_daily(panel, fmt, args.memory_limit, run_dir, log_dir, run_build)
        if fmt in baseline_formats:
            print(f"[bench {scale.name}] {fmt}: pandas baseline (cap {args.baseline_minutes:g} min)", flush=True)
            entry["baseline"] = run_baseline(panel_dir, fmt, args.baseline_recency, args.baseline_minutes,
                                             data["settings"]["baseline_rss_cap_bytes"], log_dir)
    data["machine"]["load_avg_end"] = list(os.getloadavg())
    data["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    data["checks"] = report.evaluate_checks(data)
    print(write_report(data, run_dir))
    for check in data["checks"]:
        print(f"  {check['status']:>5}  {check['target']}: {check['value']}")
    builds_ok = all(report.headline(e)["build_ok"] for e in data["formats"].values() if e.get("build"))
    return 0 if builds_ok else 1
