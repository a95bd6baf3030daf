"""The daily target lists as files for email and ad systems: the on-run-end hook
export_target_lists (macros/target_lists.sql) writes the mart daily_target_lists per domain,
as Parquet and CSV, into a folder per run date:

    <exports>/target_lists/run_date=<YYYY-MM-DD>/<domain>.parquet, <domain>.csv, manifest.json

`begin` gives a fresh scratch folder, the hook COPYs each domain's rows into it (file names from
`file_name`), and `publish` writes the manifest (files, rows, SHA-256) and renames the folder
into place, replacing an earlier export of the same run date whole: a reader sees the old
folder or the new one, never half of one. Folders of other run dates are kept: the lists'
history. A domain without a file had nobody to contact that day.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path
from urllib.parse import quote

TARGET_LISTS = "target_lists"
INCOMPLETE = ".incomplete-"
MANIFEST = "manifest.json"


def _folder(exports_dir: str | Path, run_date: str) -> Path:
    return Path(exports_dir).absolute() / TARGET_LISTS / f"run_date={date.fromisoformat(run_date).isoformat()}"


def begin(exports_dir: str, run_date: str) -> str:
    """A fresh, empty scratch folder for the run date's files (its absolute path)."""
    final = _folder(exports_dir, run_date)
    scratch = final.with_name(INCOMPLETE + final.name)
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    return str(scratch)


def file_name(domain: str) -> str:
    """A domain as a file name stem: safe characters kept, others percent-encoded, so a domain
    can never name a path outside the folder."""
    stem = quote(domain, safe="-_.@")
    return stem if stem.strip(".") else quote(domain, safe="")


def publish(exports_dir: str, run_date: str) -> str:
    """Write the manifest into the scratch folder and switch the run date's folder to it;
    returns a one-line summary."""
    final = _folder(exports_dir, run_date)
    scratch = final.with_name(INCOMPLETE + final.name)
    files = [{"file": path.name, "bytes": path.stat().st_size,
              "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
             for path in sorted(scratch.iterdir())]
    (scratch / MANIFEST).write_text(json.dumps({"run_date": run_date, "files": files}, indent=2) + "\n")
    if final.exists():
        previous = final.with_name(f".previous-{final.name}")
        shutil.rmtree(previous, ignore_errors=True)
        final.rename(previous)
        scratch.rename(final)
        shutil.rmtree(previous)
    else:
        scratch.rename(final)
    return f"target lists of {run_date}: {len(files)} files in {final}"
