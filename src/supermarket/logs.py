"""Line-oriented logs for `kubectl logs`: one event per line, `key=value` pairs."""

from __future__ import annotations

import sys
import time
from typing import Any


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    text = str(value)
    return f'"{text}"' if (" " in text or not text) else text


def log(event: str, **fields: Any) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    pairs = " ".join(f"{k}={_fmt(v)}" for k, v in fields.items())
    print(f"{stamp} supermarket {event} {pairs}".rstrip(), file=sys.stderr, flush=True)
