"""What the backends and their callers share: the outcome names, the outcome of a rule's `when` and
`condition` values, whether durable_rules can be used, and how its failures are named.

A module of its own so that the backend modules need not import their package, which imports them."""
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
