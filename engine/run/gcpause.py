"""Pause the cyclic garbage collector while a stage builds millions of long-lived objects.

Loading a province's facts creates tens of millions of objects (YAML nodes, records, sources) that
live until the run ends and form almost no cycles. With the collector on, each of its full passes
walks all of them again, which costs about a third of the load time at 10,000 projects
(docs/performance.md). Reference counting still frees everything acyclic; cycles made meanwhile
are collected at the first collection after the pause.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def paused_gc():
    enabled = gc.isenabled()  # if not: nested, or the caller manages the collector itself (left off)
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
