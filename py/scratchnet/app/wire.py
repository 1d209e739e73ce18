"""What crosses between Python and the page: results as JSON text plus binary parts.

NumPy arrays and bytes in a result become {"$part": i, "dtype", "shape"} markers in the
JSON and travel as raw bytes beside it, so the page receives typed arrays instead of long
JSON lists; NaN and infinity (which JSON lacks) become null.
"""

import json
import math

import numpy as np


def _plain(value, parts):
    """JSON-ready data: arrays and bytes become {"$part": i, ...} markers, non-finite floats None."""
    if isinstance(value, np.ndarray):
        array = value.astype(np.int32) if value.dtype.kind in "iub" and value.dtype != np.uint8 else value
        parts.append(np.ascontiguousarray(array).tobytes())
        return {"$part": len(parts) - 1, "dtype": array.dtype.name, "shape": list(array.shape)}
    if isinstance(value, (bytes, bytearray)):
        parts.append(bytes(value))
        return {"$part": len(parts) - 1, "dtype": "bytes"}
    if isinstance(value, dict):
        return {k: _plain(v, parts) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, parts) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def encode(value):
    """(JSON text, [binary parts]) for a call's result."""
    parts = []
    return json.dumps(_plain(value, parts), allow_nan=False, separators=(",", ":")), parts
