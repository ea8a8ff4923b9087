"""The progress bar of `perfaudit evaluate`: on a terminal only, never in pipes or JSON output."""
from __future__ import annotations

import io

import pytest

from bench.generate import write_corpus
from engine.cli import cli
from engine.cli.progress import MIN_FILES, progress_bar, wants_progress_bar

from .conftest import RULES


class Terminal(io.StringIO):
    def isatty(self):
        return True


class Pipe(io.StringIO):
    def isatty(self):
        return False


@pytest.mark.parametrize("fmt, output, stdout, stderr, files, shown", [
    ("text", None, Terminal(), Terminal(), MIN_FILES, True),
    ("text", "report.txt", Pipe(), Terminal(), MIN_FILES, True),  # findings go to a file, the bar to the screen
    ("html", "report.html", Terminal(), Terminal(), 500, True),
    ("text", None, Pipe(), Terminal(), 500, False),  # perfaudit evaluate facts | less
    ("text", "-", Pipe(), Terminal(), 500, False),
    ("text", "report.txt", Terminal(), Pipe(), 500, False),  # stderr redirected: 2> log.txt
    ("json", "findings.json", Terminal(), Terminal(), 500, False),  # read by programs
    ("json", None, Terminal(), Terminal(), 500, False),
    ("text", None, Terminal(), Terminal(), MIN_FILES - 1, False),  # too short to need one
])
def test_when_a_bar_is_shown(fmt, output, stdout, stderr, files, shown):
    assert wants_progress_bar(fmt, output, files, stdout=stdout, stderr=stderr) is shown


def test_a_stream_without_isatty_is_not_a_terminal():
    assert wants_progress_bar("text", None, 500, stdout=object(), stderr=object()) is False


def test_the_bar_counts_on_stderr(monkeypatch):
    screen = Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    with progress_bar(4, True) as advance:
        for _ in range(4):
            advance(1)
    assert "核查中" in screen.getvalue() and "100%" in screen.getvalue()
    with progress_bar(4, False) as advance:
        assert advance is None


@pytest.fixture(scope="module")
def files_enough_for_a_bar(tmp_path_factory):
    """MIN_FILES + 2 files (the bar counts files), four projects each instead of 20: a fifth of the work."""
    root = tmp_path_factory.mktemp("progress-facts")
    write_corpus(root, 4 * (MIN_FILES + 2), seed=5, per_department=4)
    return root


@pytest.fixture
def many_reports(files_enough_for_a_bar, monkeypatch):
    """Without --jobs the files go to worker processes, as they did when they were larger than AUTO_PARALLEL_BYTES."""
    from engine.run import parallel

    monkeypatch.setattr(parallel, "AUTO_PARALLEL_BYTES", 0)
    return files_enough_for_a_bar


@pytest.mark.parametrize("args", [[], ["--format", "json"], ["--jobs", "2"]])
def test_no_bar_through_cli_runner(runner, many_reports, args):
    # CliRunner's streams are not terminals, like a pipe or a redirect
    result = runner.invoke(cli, ["evaluate", str(many_reports), "--rules", str(RULES), *args])
    assert result.exit_code == 0, result.output
    assert "核查中" not in result.stderr and "%" not in result.stderr


def test_the_cli_draws_the_bar_when_the_streams_are_terminals(runner, many_reports, monkeypatch, tmp_path):
    import engine.cli.progress as progress

    real = progress.wants_progress_bar
    monkeypatch.setattr(progress, "wants_progress_bar",
                        lambda fmt, output, files: real(fmt, output, files, stdout=Terminal(), stderr=Terminal()))
    monkeypatch.setattr("click._termui_impl.isatty", lambda stream: True)  # click's own check of the stream
    out = tmp_path / "report.txt"
    result = runner.invoke(cli, ["evaluate", str(many_reports), "--rules", str(RULES), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "核查中" in result.stderr and "100%" in result.stderr
    assert "核查中" not in out.read_text(encoding="utf-8")
