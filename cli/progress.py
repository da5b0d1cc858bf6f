"""A small progress bar on standard error, shown only in a terminal."""

from __future__ import annotations

import sys
import time


class Bar:
    """Progress of one piece of work, redrawn at most ten times a second; silent without a terminal."""

    def __init__(self, label: str, *, enabled: bool | None = None) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.start = time.monotonic()
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        """Show `done` of `total` (bytes or items)."""
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and done < total:
            return
        self._last = now
        share = done / total if total else 1.0
        filled = int(share * 30)
        elapsed = now - self.start
        eta = f" ~{elapsed / share - elapsed:4.0f}s left" if 0 < share < 1 and elapsed > 1 else ""
        sys.stderr.write(f"\r{self.label[-40:]:<40} [{'#' * filled}{'.' * (30 - filled)}] {share:4.0%}{eta}   ")
        sys.stderr.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()
