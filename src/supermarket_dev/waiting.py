"""Waiting for a condition with a deadline: the one poll loop of the tests, benchmarks and demo."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(what: str, condition: Callable[[], T | None], timeout: float, every: float = 2) -> T:
    """Polls `condition` every `every` s until it returns something truthy, and returns that; TimeoutError
    naming `what` after `timeout` s. A condition raising an exception is not retried."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)
