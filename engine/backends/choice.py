"""Which backend runs, written once for evaluate, parallel workers, explain and the API: the `auto` choice,
its fallback to the Python backend when durable_rules refuses a rule set, and its fallback when
durable_rules fails part way through a run (the Python backend computes the same findings by design,
tests/test_backends_agree.py)."""
from __future__ import annotations

from . import make_backend
from ..core.errors import Diagnostic, InputError
from .base import EngineError, durable_available


def choose_backend(requested: str) -> tuple[str, str]:
    """'auto' uses durable_rules where it imports, else the pure-Python evaluator with a notice.

    Asking for durable_rules where it cannot be imported is the user's input to correct (exit 2)."""
    ok, why = durable_available() if requested in ("auto", "durable") else (True, "")
    if requested == "durable" and not ok:
        raise InputError([Diagnostic("--backend", 0, 0, "", f"durable_rules 无法导入({why})",
                                     suggestion="改用 --backend python(与 durable_rules 结果一致)或 --backend auto")])
    if requested == "auto":
        return ("durable", "") if ok else (
            "python", f"提示: durable_rules 无法导入({why}),改用等价的纯 Python 求值器。")
    return requested, ""


def open_backend(requested: str, program):
    """A ready backend and a notice for the user (empty when there is nothing to say).

    With 'auto', a rule set durable_rules refuses to build (its fixed limits on rules and
    expressions) falls back to the Python backend, which computes the same findings."""
    name, notice = choose_backend(requested)
    try:
        return make_backend(name, program), notice
    except EngineError as exc:
        if requested != "auto":
            raise
        return make_backend("python", program), f"提示: {exc};改用等价的纯 Python 求值器。"


def midrun_notice(requested: str, used: str, exc: EngineError) -> str:
    """What `auto` tells the user when durable_rules (backend `used`) failed in the middle of a run, before the
    caller runs everything again on the Python backend. Any other failure is not ours to hide: raised."""
    if requested != "auto" or used == "python":
        raise exc
    return f"提示: durable_rules 在求值过程中出错({exc}),已改用等价的纯 Python 求值器重新求值全部报告。"


def run_with_fallback(requested: str, program, engine, notice: str, run):
    """(run(engine), the backend that ran it, the notice): with 'auto', a durable_rules failure part way closes
    `engine` and runs `run` again on a new Python backend. The caller closes the backend returned."""
    try:
        return run(engine), engine, notice
    except EngineError as exc:
        notice = midrun_notice(requested, engine.name, exc)
        engine.close()
        engine = make_backend("python", program)
        try:
            return run(engine), engine, notice
        except BaseException:
            engine.close()
            raise
