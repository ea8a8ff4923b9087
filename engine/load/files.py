"""Load stage: the YAML files a command names, and one file read, parsed and checked against its schema.

The one document loop of facts, rules and rule tests (read -> YAML -> schema); each then builds its own
records from the documents that passed."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..core.errors import Collector, Diagnostic
from .validate import line_plan, validate_document
from .yamlsrc import FAST_PATHS, MAX_FILE_BYTES, Document, load_yaml_file


def file_sha256(path) -> bytes:
    """A file's SHA-256, read in pieces. A file over the loader's limit (MAX_FILE_BYTES) is not read: loading
    refuses it anyway, and hashing it first cost its size in memory and time (a 3 GiB file: 6 GiB, 25 s)."""
    with open(path, "rb") as stream:
        size = os.fstat(stream.fileno()).st_size
        if size > MAX_FILE_BYTES:
            return b"over the limit: %d bytes" % size
        return hashlib.file_digest(stream, "sha256").digest()


def digest_of(hashes) -> str:
    """The facts hash of a run (api.facts_digest) from its files' file_sha256, in any order: a worker hashes the
    files it loads (engine/run/parallel.py)."""
    return hashlib.sha256("\n".join(sorted(h.hex() for h in hashes)).encode()).hexdigest()[:16]

YAML_SUFFIXES = (".yaml", ".yml")


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


class Listing(list):
    """The files expand_paths found (real paths, sorted): given to it again, it is the answer as it is. The
    steps of one command pass it on instead of listing a province's 5,000 reports once each."""


def expand_paths(paths) -> tuple[list[Path], list[Diagnostic]]:
    """Files as given, folders expanded to their YAML files (sorted, so order never depends on the disk)."""
    if isinstance(paths, Listing):
        return paths, []
    files: list[Path] = []
    problems = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            named = sorted((p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES), key=_order)
            found = [p for p in named if p.is_file()]
            # a dangling link would otherwise be skipped without a word
            problems.extend(Diagnostic(display_path(p), 0, 0, "", "符号链接指向的文件不存在",
                                       suggestion="修复或删除这个符号链接")
                            for p in named if p.is_symlink() and not p.exists())
            if not found:
                problems.append(Diagnostic(str(raw), 0, 0, "", "目录中没有 YAML 文件",
                                           expected="含 .yaml 或 .yml 文件的目录", suggestion="检查目录是否选对"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif path.exists():  # a device, socket or pipe: nothing a facts file can be read from twice
            problems.append(Diagnostic(str(raw), 0, 0, "", "不是普通文件或目录", expected="YAML 文件或包含 YAML 文件的目录"))
        else:
            problems.append(Diagnostic(str(raw), 0, 0, "", "文件或目录不存在",
                                       suggestion="检查路径拼写;相对路径从当前目录算起"))
    return Listing(sorted(set(_resolved(files)), key=_order)), problems


def _order(path: Path):
    """The order of sorted(paths), without Path.__lt__ (which rebuilds its comparison key on every call: 0.12 s per
    sort of 5,000 paths)."""
    return path.parts if os.name == "posix" else tuple(part.lower() for part in path.parts)


def _resolved(files):
    """Path.resolve() of each file, resolving each folder once: a file that is not a link resolves to its folder's
    real path and its name (a folder of 5,000 reports: 0.4 s less for every listing)."""
    folders: dict = {}
    for path in files:
        if path.is_symlink():
            yield path.resolve()
            continue
        folder = folders.get(path.parent)
        if folder is None:
            folder = folders[path.parent] = path.parent.resolve()
        yield folder / path.name


def load_document(path: Path, kind: str, collector: Collector, fast: tuple = FAST_PATHS) -> Document | None:
    """The document in `path` if it is YAML valid against the `kind` schema (facts, rules, ruletest); else None,
    with every problem found added to `collector`. fast: the YAML fast paths to try (yamlsrc.load_yaml_text)."""
    doc, problems = load_yaml_file(path, display_path(path), fast, line_plan(kind))
    collector.extend(problems)
    if doc is None:
        return None
    problems = validate_document(doc, kind)
    collector.extend(problems)
    return None if problems else doc
