"""Entry point of `python -m bench` (and `make bench SCALE=...`)."""

import sys

from bench.run import main

sys.exit(main())
