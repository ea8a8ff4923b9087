"""The progress bar of long evaluations: on stderr, and only for a person watching a terminal."""
from __future__ import annotations

import sys
from contextlib import contextmanager

import click

from ..render.style import is_terminal

MIN_FILES = 10  # below this an evaluation takes about a second: a bar would only flicker


def wants_progress_bar(fmt: str, output: str | None, files: int, stdout=None, stderr=None) -> bool:
    """True when someone watches: stderr is a terminal, the findings do not go into a pipe or a file
    redirect, the format is not JSON (read by programs), and there are enough files for it to matter."""
    if fmt == "json" or files < MIN_FILES:
        return False
    if not is_terminal(stderr if stderr is not None else sys.stderr):
        return False
    return output not in (None, "-") or is_terminal(stdout if stdout is not None else sys.stdout)


@contextmanager
def progress_bar(total: int, show: bool):
    """Yields a callable advance(n), or None when no bar is shown."""
    if not show:
        yield None
        return
    with click.progressbar(length=total, label="核查中", file=sys.stderr,
                           show_eta=True, show_percent=True) as bar:
        yield bar.update
