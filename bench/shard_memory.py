"""Peak memory of the panel generator: one shard, five shards, and the single-pass writer of the
same five-shard panel, each in a fresh interpreter (`python -m bench.shard_memory`).

The sharded path exists so that panels larger than memory (10x paper scale) can be written; it
should cost about one shard's memory however many shards it writes. Measured here, not in the
test suite: peak RSS depends on the allocator and the machine's load."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

_PEAK_RSS = """
import json, resource, sys, tempfile
from shopper_propensity import panel
sessions, shards = int(sys.argv[1]), int(sys.argv[2])
with tempfile.TemporaryDirectory() as out:
    if shards:
        panel.write_panel_shards(panel.generate_shards(sessions, 7, shards), out, "parquet")
    else:
        panel.write_panel(panel.generate_panel(sessions, 7), out, "parquet")
print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
"""


def peak_rss_mb(sessions: int, shards: int) -> float:
    """Peak RSS in MB of a fresh interpreter writing a panel (shards = 0: the single-pass writer)."""
    done = subprocess.run([sys.executable, "-c", _PEAK_RSS, str(sessions), str(shards)],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shard-sessions", type=int, default=400_000, help="session rows per shard")
    parser.add_argument("--shards", type=int, default=5)
    args = parser.parse_args(argv)
    rows = args.shards * args.shard_sessions
    one = peak_rss_mb(args.shard_sessions, 1)
    many = peak_rss_mb(rows, args.shards)
    single = peak_rss_mb(rows, 0)
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"one shard of {args.shard_sessions:,} sessions: {one:,.0f} MB")
    print(f"{args.shards} shards ({rows:,} sessions): {many:,.0f} MB ({many / one:.2f}x one shard)")
    print(f"single pass ({rows:,} sessions): {single:,.0f} MB ({many / single:.2f}x of it for the shards)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
