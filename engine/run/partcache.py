"""Content-keyed cache of rendered departments for `perfaudit evaluate --cache DIR` (JSON and CSV output).

Re-evaluating a province after one department's file changed should cost that department, not the
province. Each department's result (engine/run/streaming.py's RenderedPart: its findings rendered as bytes
and its Evaluation without findings) is stored under a key of everything that decides those bytes:
the rules (RuleSet.digest: every rule file's name and bytes, parameters included), this engine's own
source files and Python version, the backend asked for and the one used, the output format, and
each of the department's facts files (the path as given, since it is printed, and its content hash).
Any change to any of them is a different key; nothing is ever updated in place.

Safe to delete at any time: a missing, truncated or corrupt entry is evaluated again. Entries are written to a
temporary file and renamed into place. The folder is bounded: after each run the least recently used entries
(hits refresh their time) are deleted until it is under PERFAUDIT_CACHE_MAX_MIB (default 2048 MiB).

An entry is a small pickled head (the department's Evaluation and the places of its blocks) with its own CRC-32,
followed by the blocks' bytes as they are, each with its length and CRC-32 in the head. get() reads and checks
the head only (and the entry's size: a truncated entry is a miss); a block is read when the output is written
(read_blob), straight from the entry into the output, and checked then: a block that does not match its CRC-32
(or an entry gone since) raises BadEntry, after deleting the entry, and never reaches the output (the caller
writes the output again, the department evaluated anew: engine/cli/evaluate.py). Since the head is a pickle, the
folder must be the user's own: one that others can write to is not used.
"""
from __future__ import annotations

import functools
import hashlib
import os
import pickle
import stat
import sys
import tempfile
import time
import zlib
from contextlib import suppress
from pathlib import Path
from typing import NamedTuple

MAGIC = b"perfaudit part cache 3\n"
# then the pickled head's length (8 bytes) and CRC-32 (4), the head, the blobs: checks against damage, not forgery
PREFIX = len(MAGIC) + 12
HEAD_READ = 4 << 10  # bytes read at first for the head (most heads are under a kilobyte; a longer one is read on)
SUFFIX = ".part"
DEFAULT_MAX_MIB = 2048
STALE_TEMP_SECONDS = 3600  # a temporary file this old belongs to a run that was killed


class PartCache:
    """The cache folder; bind() it to a run's program, backend and format before asking for keys."""

    def __init__(self, folder: Path, max_bytes: int):
        self.folder = folder
        self.max_bytes = max_bytes
        self.prefix = b""
        self.digests: dict = {}  # facts file -> SHA-256 of its bytes, filled once per run (api.facts_digest)
        self.departments: dict = {}  # facts file -> (size, department line), from the same read of it

    def bind(self, program, requested: str, backend: str, fmt: str) -> PartCache:
        digest = hashlib.sha256(MAGIC)
        for part in (engine_fingerprint(), program.ruleset.digest, requested, backend, fmt):
            digest.update(part.encode() + b"\0")
        self.prefix = digest.digest()
        return self

    def key(self, files, digests: dict) -> str:
        """The key of a department's facts files (digests: path -> SHA-256 of its bytes)."""
        digest = hashlib.sha256(self.prefix)
        for path in files:
            digest.update(str(path).encode("utf-8", "surrogateescape") + b"\0" + digests[path] + b"\0")
        return digest.hexdigest()

    def _path(self, key: str) -> str:
        # a string, not a Path: pathlib's joins cost 0.3 s for a run's 5,000 entries
        return os.path.join(self.folder, key[:2], key + SUFFIX)

    def get(self, key: str):
        """(head, blobs) as stored, the blobs as Blob places (read_blob reads and checks one); or None when there is
        no entry or its head or size does not check out (it is then deleted)."""
        path = self._path(key)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            return None
        try:
            value = _entry(fd, path)
        except Exception:  # noqa: BLE001 - unreadable, damaged, or an entry of another engine's classes
            value = None
        finally:
            os.close(fd)
        if value is None:
            self.discard(key)
            return None
        with suppress(OSError):
            os.utime(path)  # least recently used goes first
        return value

    def put(self, key: str, head, blobs=()) -> None:
        """head (pickled) and blobs (bytes, stored as they are), atomically; a full disk or a vanished folder only
        means no entry."""
        pickled = pickle.dumps((head, [(len(blob), zlib.crc32(blob)) for blob in blobs]),
                               protocol=pickle.HIGHEST_PROTOCOL)
        path = self._path(key)
        try:
            with suppress(FileExistsError):
                os.mkdir(os.path.dirname(path), mode=0o700)  # not the cache folder itself: vanished, no entry
            fd, temp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(MAGIC + len(pickled).to_bytes(8, "little") + zlib.crc32(pickled).to_bytes(4, "little"))
                out.write(pickled)
                for blob in blobs:
                    out.write(blob)
            os.replace(temp, path)
        except OSError:
            _unlink(temp)

    def discard(self, key: str) -> None:
        _unlink(self._path(key))

    def prune(self) -> None:
        """Least recently used entries deleted until the folder is under its size limit; stale temporaries too."""
        entries = []
        now = time.time()
        for name, path, info in _listed(self.folder):
            if name.startswith(".tmp-"):
                if now - info.st_mtime > STALE_TEMP_SECONDS:
                    _unlink(path)
            elif name.endswith(SUFFIX):
                entries.append((info.st_mtime, info.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            _unlink(path)
            total -= size


def _listed(folder: Path):
    """(name, path, stat) of each file in folder's subfolders (os.scandir: the listing and the stats of 5,000 entries
    by pathlib's glob cost 0.25 s)."""
    try:
        subfolders = [entry.path for entry in os.scandir(folder) if entry.is_dir(follow_symlinks=False)]
    except OSError:
        return
    for subfolder in subfolders:
        try:
            with os.scandir(subfolder) as found:
                files = list(found)
        except OSError:
            continue
        for entry in files:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            yield entry.name, entry.path, info


def _unlink(path: str) -> None:
    with suppress(OSError):
        os.unlink(path)


class Blob(NamedTuple):
    """Where one of an entry's blobs is, and its CRC-32: read_blob reads it when it is needed."""

    path: str
    offset: int
    length: int
    crc: int


class BadEntry(Exception):
    """An entry's blob is not what its head says (damaged, cut short or deleted since its head was read). The entry
    is deleted; the department is to be evaluated again."""


def read_blob(blob: Blob) -> bytes:
    """The blob's bytes, checked against its length and CRC-32; BadEntry (and the entry deleted) when they differ."""
    try:
        fd = os.open(blob.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            data = os.pread(fd, blob.length, blob.offset)
        finally:
            os.close(fd)
    except OSError:
        data = None
    if data is None or len(data) != blob.length or zlib.crc32(data) != blob.crc:
        _unlink(blob.path)
        raise BadEntry(blob.path)
    return data


def _entry(fd: int, path: str):
    """get()'s (head, blobs) of the open entry, or None: the magic, the head's CRC-32 and the size all checked."""
    data = os.pread(fd, HEAD_READ, 0)
    if data[:len(MAGIC)] != MAGIC or len(data) < PREFIX:
        return None
    length = int.from_bytes(data[len(MAGIC):len(MAGIC) + 8], "little")
    crc = int.from_bytes(data[len(MAGIC) + 8:PREFIX], "little")
    size = os.fstat(fd).st_size
    if PREFIX + length > size:
        return None
    if PREFIX + length > len(data):
        data += os.pread(fd, PREFIX + length - len(data), len(data))
    pickled = memoryview(data)[PREFIX:PREFIX + length]
    if len(pickled) != length or zlib.crc32(pickled) != crc:
        return None
    head, places = pickle.loads(pickled)
    blobs = []
    offset = PREFIX + length
    for blob_length, blob_crc in places:
        blobs.append(Blob(path, offset, blob_length, blob_crc))
        offset += blob_length
    return (head, blobs) if offset == size else None  # a truncated (or lengthened) entry is not used


def open_cache(folder) -> tuple[PartCache | None, str]:
    """(the cache at folder, "") or (None, why it cannot be used, for a notice): the run goes on without it."""
    path = Path(folder).expanduser()
    try:
        if path.exists() and not path.is_dir():
            return None, f"提示: 缓存目录 {folder} 不是目录,本次不使用缓存。"
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.stat()
        if not os.access(path, os.W_OK | os.X_OK):
            return None, f"提示: 缓存目录 {folder} 不可写,本次不使用缓存。"
        if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
            return None, (f"提示: 缓存目录 {folder} 不属于当前用户或其他用户可写,本次不使用缓存"
                          f"(缓存内容会被读回执行,只能放在自己的目录中)。")
    except OSError as exc:
        return None, f"提示: 无法使用缓存目录 {folder}({exc.strerror or exc}),本次不使用缓存。"
    try:
        max_mib = int(os.environ.get("PERFAUDIT_CACHE_MAX_MIB", DEFAULT_MAX_MIB))
    except ValueError:
        max_mib = DEFAULT_MAX_MIB
    return PartCache(path, max(0, max_mib) << 20), ""


ENGINE_ROOT = Path(__file__).resolve().parent.parent  # engine/: every stage decides the bytes (render too)


@functools.cache
def engine_fingerprint() -> str:
    """This engine's source files and Python version: a code change is a different cache key, even without a
    new version number."""
    return source_digest(ENGINE_ROOT)


def source_digest(root: Path) -> str:
    """The Python version and every .py and .json file under root (path and bytes)."""
    digest = hashlib.sha256(sys.version.encode())
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".json") and path.is_file():
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
