"""Evaluate stage backends. Both decide the same compiled boolean trees from the same operand values.

`python` decides them with exact Decimal comparisons; `durable` hands them to durable_rules'
Rete network. They must agree finding for finding (tests/test_backends_agree.py).
"""
from __future__ import annotations

# the backends' shared names, which the later stages import from the package
from .base import (FIRED, NOT_APPLICABLE, PASSED, UNKNOWN, EngineError,  # noqa: F401
                   durable_available, outcome_of)


def make_backend(name: str, program):
    if name == "python":
        from .python import PythonBackend

        return PythonBackend(program)
    from .durable import DurableBackend

    return DurableBackend(program)
