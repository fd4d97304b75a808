"""Stopping every running sandbox of this process at once, for Ctrl-C on the harness.

The harness runs sandboxes from worker threads (and Ray actors), which never see a KeyboardInterrupt:
only the main thread does. It calls :func:`stop_all`; each backend's poll loop then kills its container
or process group within one poll and raises :class:`Interrupted`, so nothing is left running and no
level of an unfinished sweep is stored. A rerun plans those levels again.
"""

from __future__ import annotations

import threading

_STOP = threading.Event()


class Interrupted(Exception):
    """The harness is stopping: the sandbox was killed, and its levels are not results."""


def stop_all() -> None:
    _STOP.set()


def clear() -> None:
    """Called when a run starts executing sweeps: an earlier stop in this process does not carry over."""
    _STOP.clear()


def requested() -> bool:
    return _STOP.is_set()


def check() -> None:
    if _STOP.is_set():
        raise Interrupted("the harness is stopping (interrupted)")
