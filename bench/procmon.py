"""Run one command and measure it: wall time, peak resident memory of its whole process tree,
peak size of a spill folder, with an optional time cap and memory cap.

Why sample /proc instead of `/usr/bin/time -v`: GNU time reports the kernel's ru_maxrss, the
high-water mark of the *largest single process* (children are maxed, not summed), and it is
not installed everywhere.  dbt keeps DuckDB and the Python models in one process, so for dbt the
two agree, but the pandas baseline or any tool that forks would be under-counted.  So both are
recorded: the sum of RSS over every process of the command's session, sampled every 0.2 s
(catches a tree, may miss a spike shorter than the interval), and the kernel's exact ru_maxrss
from wait4 (catches any spike of the largest process).  The reported peak is the larger.
Stdlib only (no psutil).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_SECONDS = 0.2
DIR_SAMPLE_SECONDS = 1.0  # walking a spill folder costs more than reading /proc
KILL_GRACE_SECONDS = 5.0


@dataclass
class Measured:
    """What one measured command did; sizes in bytes, times in seconds."""

    command: list[str]
    returncode: int | None
    wall_s: float
    peak_rss_tree: int  # sampled sum over the process tree
    peak_rss_kernel: int  # ru_maxrss of the largest single process (exact high-water mark)
    peak_dir_bytes: int  # largest size seen of the watched folder (e.g. DuckDB's spill files)
    cpu_s: float  # user + system CPU seconds of the command and every descendant it waited for
    stopped: str | None  # None, "time" (time cap) or "memory" (RSS cap)
    samples: int
    stdout: str
    stderr: str

    @property
    def peak_rss(self) -> int:
        return max(self.peak_rss_tree, self.peak_rss_kernel)

    @property
    def ok(self) -> bool:
        return self.stopped is None and self.returncode == 0

    def to_dict(self) -> dict:
        return {**asdict(self), "peak_rss": self.peak_rss, "ok": self.ok}


def _stat_fields(pid: str) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (which may hold spaces), or None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            text = handle.read().decode(errors="replace")
    except OSError:  # exited between listing and reading
        return None
    return text.rsplit(")", 1)[1].split()


def session_rss(session_id: int) -> int:
    """Total resident bytes of every process in a session (the command runs in its own)."""
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        fields = _stat_fields(pid)
        # after the name: state ppid pgrp session ... ; rss (pages) is field 24 of stat, index 21 here
        if fields is not None and int(fields[3]) == session_id:
            total += int(fields[21]) * PAGE_SIZE
    return total


def folder_bytes(path: Path | None) -> int:
    """Bytes allocated on disk under a folder (0 if absent)."""
    if path is None or not path.exists():
        return 0
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                pass
    return total


def _stop(session_id: int) -> None:
    """SIGTERM the command's process group, then SIGKILL what is left after a grace period."""
    for sig, wait in ((signal.SIGTERM, KILL_GRACE_SECONDS), (signal.SIGKILL, 0.0)):
        try:
            os.killpg(session_id, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and session_rss(session_id):
            time.sleep(0.1)


def run_measured(command: list[str], *, log_dir: Path, name: str, env: dict | None = None,
                 cwd: Path | None = None, time_cap_s: float | None = None,
                 rss_cap_bytes: int | None = None, watch_dir: Path | None = None) -> Measured:
    """Run `command` to completion (or its cap), stdout/stderr to `<log_dir>/<name>.out|.err`."""
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / f"{name}.out", log_dir / f"{name}.err"
    started = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        # A new session: the child's pid is the session id of the whole tree it spawns, and
        # the tree can be stopped as one process group.
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=cwd, start_new_session=True)
        peak_tree = peak_dir = samples = 0
        stopped = None
        next_dir_sample = started
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            now = time.monotonic()
            peak_tree = max(peak_tree, session_rss(proc.pid))
            samples += 1
            if now >= next_dir_sample:
                peak_dir = max(peak_dir, folder_bytes(watch_dir))
                next_dir_sample = now + DIR_SAMPLE_SECONDS
            if time_cap_s is not None and now - started > time_cap_s:
                stopped = "time"
            elif rss_cap_bytes is not None and peak_tree > rss_cap_bytes:
                stopped = "memory"
            if stopped:
                _stop(proc.pid)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(SAMPLE_SECONDS)
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return Measured(command=[str(c) for c in command], returncode=proc.returncode, wall_s=wall,
                    peak_rss_tree=peak_tree, peak_rss_kernel=usage.ru_maxrss * 1024,
                    peak_dir_bytes=peak_dir, cpu_s=usage.ru_utime + usage.ru_stime, stopped=stopped, samples=samples,
                    stdout=str(out_path), stderr=str(err_path))
