"""Content-keyed cache of rendered departments for `perfaudit evaluate --cache DIR` (JSON and CSV output).

Re-evaluating a province after one department's file changed should cost that department, not the
province. Each department's result (engine/run/streaming.py's RenderedPart: its findings rendered as bytes
and its Evaluation without findings) is stored under a key of everything that decides those bytes:
the rules (RuleSet.digest: every rule file's name and bytes, parameters included), this engine's own
source files and Python version, the backend asked for and the one used, the output format, and
each of the department's facts files (the path as given, since it is printed, and its content hash).
Any change to any of them is a different key; nothing is ever updated in place.

Safe to delete at any time: a missing, truncated or corrupt entry (checked by its length and CRC-32) is
evaluated again. Entries are written to a temporary file and renamed into place. The folder is
bounded: after each run the least recently used entries (hits refresh their time) are deleted
until it is under PERFAUDIT_CACHE_MAX_MIB (default 2048 MiB).

An entry is a small pickle (the department's Evaluation and the places of its blocks) followed by the blocks'
bytes as they are: reading one back unpickles a few kilobytes, not the department's rendered findings (which
go from the entry's bytes to the spool without a copy). Since the head is a pickle, the folder must be the
user's own: one that others can write to is not used.
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
from itertools import accumulate, pairwise
from pathlib import Path

MAGIC = b"perfaudit part cache 2\n"
HEAD = len(MAGIC) + 12  # then the payload's length (8 bytes) and CRC-32 (4): a check against damage, not forgery
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

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / (key + SUFFIX)

    def get(self, key: str):
        """(head, blobs) as stored, the blobs as views of the entry's bytes; or None when there is no entry or
        it does not check out (it is then deleted)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        payload = memoryview(data)[HEAD:]
        if data[:len(MAGIC)] == MAGIC and data[len(MAGIC):HEAD] == _check((payload,)):
            try:
                value = _unpacked(payload)
            except Exception:  # noqa: BLE001 - an entry of another engine's classes: evaluated again
                value = None
            if value is not None:
                with suppress(OSError):
                    os.utime(path)  # least recently used goes first
                return value
        self.discard(key)
        return None

    def put(self, key: str, head, blobs=()) -> None:
        """head (pickled) and blobs (bytes, stored as they are), atomically; a full disk or a vanished folder only
        means no entry."""
        pieces = [pickle.dumps(head, protocol=pickle.HIGHEST_PROTOCOL), *blobs]
        sizes = b"".join(len(piece).to_bytes(8, "little") for piece in pieces)
        pieces.insert(0, len(pieces).to_bytes(8, "little") + sizes)
        path = self._path(key)
        try:
            path.parent.mkdir(mode=0o700, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(MAGIC + _check(pieces))
                for piece in pieces:
                    out.write(piece)
            os.replace(temp, path)
        except OSError:
            _unlink(Path(temp))

    def discard(self, key: str) -> None:
        _unlink(self._path(key))

    def prune(self) -> None:
        """Least recently used entries deleted until the folder is under its size limit; stale temporaries too."""
        entries = []
        now = time.time()
        for path in self.folder.glob("*/*"):
            try:
                info = path.stat()
            except OSError:
                continue
            if path.name.startswith(".tmp-"):
                if now - info.st_mtime > STALE_TEMP_SECONDS:
                    _unlink(path)
            elif path.suffix == SUFFIX:
                entries.append((info.st_mtime, info.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            _unlink(path)
            total -= size


def _unlink(path: Path) -> None:
    with suppress(OSError):
        path.unlink()


def _check(pieces) -> bytes:
    """The length and CRC-32 of a payload written (or read) as these consecutive pieces."""
    length = crc = 0
    for piece in pieces:
        length += len(piece)
        crc = zlib.crc32(piece, crc)
    return length.to_bytes(8, "little") + crc.to_bytes(4, "little")


def _unpacked(payload: memoryview):
    """put()'s payload -> (head, blobs): the count of pieces, their sizes, the pickled head, the blobs."""
    count = int.from_bytes(payload[:8], "little")
    if not 1 <= count <= (len(payload) - 8) // 8:
        return None
    sizes = [int.from_bytes(payload[8 + 8 * i:16 + 8 * i], "little") for i in range(count)]
    ends = list(accumulate(sizes, initial=8 + 8 * count))
    if ends[-1] != len(payload):
        return None
    head, *blobs = (payload[start:end] for start, end in pairwise(ends))
    return pickle.loads(head), blobs


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
