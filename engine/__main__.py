"""`python -m engine` and the `perfaudit` command (pyproject.toml points it at main below)."""
import os
import signal
import sys


def main():
    _interrupt_early()
    from .cli import main as run  # ~0.3 s of imports: a Ctrl-C meanwhile is handled above

    run()


def _interrupt_early() -> None:
    """Until the command installs its own handlers (engine/io/output.py), nothing has been written: a Ctrl-C or
    SIGTERM ends the process as the command would (已中断。, 130 / 143), instead of Python's KeyboardInterrupt
    traceback out of whatever module was being imported."""
    def stop(signum, frame):
        sys.stderr.write("已中断。\n")
        sys.stderr.flush()
        os._exit(130 if signum == signal.SIGINT else 143)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)


if __name__ == "__main__":
    main()
