"""Evaluate stage backends. Both decide the same compiled boolean trees from the same operand values.

`python` decides them with exact Decimal comparisons; `durable` hands them to durable_rules'
Rete network. They must agree finding for finding (tests/test_backends_agree.py).
"""
from __future__ import annotations

FIRED, PASSED, NOT_APPLICABLE, UNKNOWN = "fired", "passed", "not-applicable", "cannot-evaluate"


def outcome_of(when_value, condition_value) -> str:
    if when_value is False:
        return NOT_APPLICABLE
    if when_value is None:
        return UNKNOWN
    if condition_value is True:
        return FIRED
    if condition_value is False:
        return PASSED
    return UNKNOWN


def durable_available() -> tuple[bool, str]:
    try:
        import durable.engine  # noqa: F401
    except Exception as exc:  # ImportError, or the undefined-symbol error on Python 3.13+
        return False, f"{type(exc).__name__}: {exc}"
    return True, ""


class EngineError(RuntimeError):
    """durable_rules misbehaved in a way we refuse to hide."""


def make_backend(name: str, program):
    if name == "python":
        from .python import PythonBackend

        return PythonBackend(program)
    from .durable import DurableBackend

    return DurableBackend(program)
