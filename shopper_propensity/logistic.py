"""The logistic function, shared by the panel generator and the campaign model."""

from __future__ import annotations

import numpy as np

# exp overflows beyond ~709; past +-35 the result is 0 or 1 to double precision anyway
_CLIP = 35.0


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x), elementwise, without overflow warnings for large |x|."""
    return 1.0 / (1.0 + np.exp(-np.clip(x, -_CLIP, _CLIP)))
