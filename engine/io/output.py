"""Writing output files without ever destroying something: the one place every command writes through.

A regular file (or a new name) is written to a temporary file beside it and renamed into place, so a
failure or a signal leaves the old file intact. A character device or FIFO (/dev/null, a pipe) is a sink:
written in place, never replaced by a regular file. A symlink is followed and its target judged by the
same rules. An existing regular file is replaced only with --force, and never when it is one of the
files the command read. Names made from data (a department's name) are sanitised and kept short.
Temporary files carry the writer's pid, so the next write into a folder removes the ones a killed
process left behind.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import signal
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import Diagnostic, InputError

EX_IOERR = 74  # sysexits.h: the disk failed us, not the user's input and not a bug
TEMP_PREFIX = ".perfaudit-"
TEMP_SUFFIX = ".tmp"
_TEMP_NAME = re.compile(r"\.perfaudit-(\d+)-[A-Za-z0-9_]+\.tmp")
STALE_SECONDS = 600  # an abandoned temp file is removed only this long after its last write
MAX_DERIVED_BYTES = 200  # names made from data stay well under the usual 255-byte limit
NAME_MAX = 255
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\s\x00-\x1f\x7f]+')
FORCE_HINT = "加 --force 覆盖,或换一个文件名"

_live: set[str] = set()  # this process's temporary files and folders, removed when a signal ends it


class OutputError(Exception):
    """Writing failed for a reason outside the input (full disk, I/O error): exit EX_IOERR."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.render())
        self.diagnostic = diagnostic


class Interrupted(BaseException):
    """SIGINT or SIGTERM: unwinds like KeyboardInterrupt (temporary files are removed on the way out),
    but is not one, so click does not turn it into "Aborted!" with exit 1 (the findings exit code)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.exit_code = 128 + signum


def _on_signal(signum, frame):
    remove_live_temporaries()
    raise Interrupted(signum)


def install_signal_handlers() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _on_signal)
    if not _forks_watched and hasattr(os, "register_at_fork"):  # no fork (Windows): nothing to forget
        _forks_watched.append(True)
        os.register_at_fork(after_in_child=_in_forked_child)


_forks_watched: list = []


def _in_forked_child() -> None:
    """A forked worker owns none of the parent's temporaries and does not run the parent's handlers: until its own
    set-up (run/parallel.py _die_with_parent) a Ctrl-C to the process group would otherwise make it delete the
    parent's spool folder and unwind as if it were the command."""
    _live.clear()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class _SignalsHeld:
    """SIGINT and SIGTERM held while a temporary is made and registered: a signal between the two (a busy machine
    can deschedule us right after the file appears) would otherwise end the process with the file unknown to
    remove_live_temporaries. A held signal is delivered, and handled, as soon as the block ends."""

    HELD = {signal.SIGINT, signal.SIGTERM}

    def __enter__(self):
        # Windows has no signal masks (nor SIGTERM delivery to handlers): there the window stays as it was
        self.previous = signal.pthread_sigmask(signal.SIG_BLOCK, self.HELD) if _MASKS else None

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, self.previous)
        return False


_MASKS = hasattr(signal, "pthread_sigmask")


def remove_live_temporaries() -> None:
    for path in list(_live):
        _discard(path)


def _discard(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def safe_file_name(text: str, suffix: str = ".yaml", fallback: str = "导入", tagged: bool = False) -> str:
    """A file name made from data: no folder separators, no leading dot, at most MAX_DERIVED_BYTES bytes.
    A shortened (or `tagged`) name ends with a hash of the whole text, so two names that sanitise alike
    stay distinct and the result is the same on every run."""
    safe = _UNSAFE_NAME.sub("_", text).strip("._") or fallback
    if not tagged and len((safe + suffix).encode("utf-8")) <= MAX_DERIVED_BYTES:
        return safe + suffix
    tag = "-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    room = MAX_DERIVED_BYTES - len((tag + suffix).encode("utf-8"))
    head = safe.encode("utf-8")[:room].decode("utf-8", "ignore")
    return head + tag + suffix


@dataclass(frozen=True)
class Target:
    path: Path  # symlinks resolved
    shown: str  # as the user wrote it, for messages
    sink: bool  # a character device or FIFO: written in place
    replace: bool  # an existing regular file, replaced (--force)


def refuse(shown: str, message: str, suggestion: str = "") -> InputError:
    return InputError([Diagnostic(shown, 0, 0, "", message, suggestion=suggestion)])


def _name_too_long(shown: str) -> InputError:
    return refuse(shown, f"文件名过长(文件系统允许每一级名称最多 {NAME_MAX} 字节)", "换一个较短的文件名")


def plan(output: str, *, force: bool = False, inputs=()) -> Target:
    """Where `output` will be written and how; InputError when it must not be written at all.
    inputs: the files read, or a function listing them (called only when output is an existing file)."""
    path = Path(os.path.realpath(output))
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _problem(output, exc) from None
    if st is None:
        _check_folder(output, path)
        return Target(path, output, sink=False, replace=False)
    if stat.S_ISDIR(st.st_mode):
        raise refuse(output, "是一个目录,不能作为输出文件", "用 -o 指定目录中的一个文件名")
    if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
        return Target(path, output, sink=True, replace=False)
    if not stat.S_ISREG(st.st_mode):
        raise refuse(output, "不是普通文件、字符设备或管道,拒绝写入", "用 -o 指定一个普通文件")
    if any(_same_file(st, other) for other in (inputs() if callable(inputs) else inputs)):
        raise refuse(output, "输出文件是本次读取的输入文件之一,拒绝覆盖(--force 也不覆盖)", "用 -o 指定另一个文件名")
    if not force:
        raise refuse(output, "文件已存在,未覆盖", FORCE_HINT)
    return Target(path, output, sink=False, replace=True)


def _same_file(st: os.stat_result, other) -> bool:
    try:
        theirs = os.stat(other)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == (theirs.st_dev, theirs.st_ino)


def _check_folder(shown: str, path: Path) -> None:
    try:
        folder = os.stat(path.parent)
    except OSError as exc:
        raise _problem(shown, exc) from None
    if not stat.S_ISDIR(folder.st_mode):
        raise refuse(shown, "无法写入输出文件: 上一级不是目录", "检查 -o 给出的路径")
    if len(path.name.encode("utf-8", "surrogateescape")) > NAME_MAX:
        raise _name_too_long(shown)
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise refuse(shown, "无法写入输出文件: 目录不可写", "检查 -o 给出的目录的权限,或换一个目录")


_DISK = {errno.ENOSPC: "磁盘已满", errno.EDQUOT: "磁盘配额已用完", errno.EIO: "磁盘读写错误",
         errno.EPIPE: "读取端已关闭"}
_USER = {errno.ENOENT: ("目录不存在", "检查 -o 给出的目录是否存在"),
         errno.ENOTDIR: ("路径中有一级不是目录", "检查 -o 给出的路径"),
         errno.EACCES: ("没有写入权限", "检查 -o 给出的目录的权限,或换一个目录"),
         errno.EPERM: ("没有写入权限", "检查 -o 给出的目录的权限,或换一个目录"),
         errno.EROFS: ("所在的文件系统是只读的", "换一个可写的目录"),
         errno.ELOOP: ("符号链接循环", "检查 -o 给出的路径中的符号链接"),
         errno.EISDIR: ("是一个目录,不能作为输出文件", "用 -o 指定目录中的一个文件名")}


def _problem(shown: str, exc: OSError) -> Exception:
    """An OSError while writing, as the user should read it: their path (exit 2) or the disk (exit 74)."""
    if exc.errno == errno.ENAMETOOLONG:
        return _name_too_long(shown)
    if exc.errno in _USER:
        message, suggestion = _USER[exc.errno]
        return refuse(shown, f"无法写入输出文件: {message}", suggestion)
    what = _DISK.get(exc.errno, exc.strerror or str(exc))
    return OutputError(Diagnostic(shown, 0, 0, "", f"无法写入输出文件: {what}({exc.strerror})",
                                  suggestion="原有文件(如有)未改动;腾出空间或换一个位置后重试"))


STDOUT = "标准输出"


def stdout_closed() -> InputError:
    """Standard output closed when the command started (Python's sys.stdout is then None)."""
    return refuse(STDOUT, "标准输出已关闭,无法写出", "用 -o 指定输出文件")


def stdout_problem(exc: OSError) -> OutputError:
    """An OSError while writing standard output (a full disk behind > file), said as _problem says a file's."""
    what = _DISK.get(exc.errno, exc.strerror or str(exc))
    return OutputError(Diagnostic(STDOUT, 0, 0, "", f"无法写入标准输出: {what}({exc.strerror})",
                                  suggestion="用 -o 写入文件,或腾出空间后重试"))


def write(data, output: str, *, force: bool = False, inputs=()) -> None:
    """Write data (bytes or text) to output: all or nothing, by the rules in this module's docstring."""
    with Stream(output, force=force, inputs=inputs) as out:
        out.write(data)


class Stream:
    """Output written piece by piece with write()'s guarantees: checked by plan() when opened; a regular file is
    a temporary file beside it until the `with` block ends without an error (then fsync'ed and moved into place,
    never over an existing file without --force); a sink is written in place; a failure or signal leaves the old
    file intact and removes the temporary one. Disk failures raise OutputError (exit 74), refusals InputError."""

    BUFFER = 1 << 20  # bytes gathered before a write(2): few system calls, bounded memory
    # a temporary file's pages are handed to the disk every this many bytes (posix_fadvise DONTNEED starts their
    # writeback), so that the fsync at the end waits for the last ones only: 635 MB written then synced 0.55 s,
    # written with this 0.36 s, more when the writing is spread over a run (docs/performance.md, fourth round)
    WRITEBACK = 32 << 20

    def __init__(self, output: str, *, force: bool = False, inputs=()):
        self.target = plan(output, force=force, inputs=inputs)
        self.fd = -1
        self.tmp = None
        self.pending: list = []
        self.size = 0
        self.written = self.handed = 0  # bytes written to the temporary file, and handed to the disk

    def __enter__(self):
        target = self.target
        try:
            if target.sink:
                self.fd = os.open(target.path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)  # no O_CREAT, no O_TRUNC
                mode = os.fstat(self.fd).st_mode
                if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):  # swapped for a regular file since plan()
                    os.close(self.fd)
                    raise refuse(target.shown, "输出文件在写入前被替换,未写入", "重新运行")
            else:
                sweep_stale(target.path.parent)
                with _SignalsHeld():
                    self.fd, self.tmp = tempfile.mkstemp(dir=target.path.parent,
                                                         prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=TEMP_SUFFIX)
                    _live.add(self.tmp)
        except OSError as exc:
            raise _problem(target.shown, exc) from None
        return self

    def write(self, data) -> None:
        """data: text (written as UTF-8) or bytes."""
        payload = data if isinstance(data, bytes) else data.encode("utf-8")
        self.pending.append(payload)
        self.size += len(payload)
        if self.size >= self.BUFFER:
            self.flush()

    def flush(self) -> None:
        pieces, self.pending, size, self.size = self.pending, [], self.size, 0
        try:
            if _WRITEV and len(pieces) <= _WRITEV:
                _writev_all(self.fd, pieces)  # the pieces as they are: a streamed document's blocks are not copied
            else:
                _write_all(self.fd, b"".join(pieces))
        except OSError as exc:
            raise _problem(self.target.shown, exc) from None
        self.written += size
        if self.tmp is not None and self.written - self.handed >= self.WRITEBACK and _FADVISE:
            with contextlib.suppress(OSError):  # advice only: the fsync still makes sure
                os.posix_fadvise(self.fd, self.handed, self.written - self.handed, os.POSIX_FADV_DONTNEED)
            self.handed = self.written

    def __exit__(self, kind, exc, tb):
        target, tmp = self.target, self.tmp
        try:
            try:
                if kind is None:
                    self.flush()
                    if tmp is not None:
                        os.fsync(self.fd)  # a full disk may only say so here; the old file must survive it
            finally:
                os.close(self.fd)  # also when the last write failed
            if kind is None and tmp is not None:
                mode = stat.S_IMODE(os.stat(target.path).st_mode) if target.replace else 0o666 & ~_umask()
                os.chmod(tmp, mode)  # mkstemp makes 0600; a report gets the user's usual mode (or the old file's)
                place(tmp, target.path, replace=target.replace)
                tmp = None
        except FileExistsError:  # created by someone else after plan(): still never replaced without --force
            raise refuse(target.shown, "文件已存在,未覆盖", FORCE_HINT) from None
        except OSError as error:
            raise _problem(target.shown, error) from None
        finally:
            if tmp is not None:
                _discard(tmp)
            if self.tmp is not None:
                _live.discard(self.tmp)
        return False


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view):]


def _writev_all(fd: int, pieces: list) -> None:
    """The pieces written in order with writev(2), none copied; a short write goes on from where it stopped."""
    first = 0
    while first < len(pieces):
        written = os.writev(fd, pieces[first:])
        while first < len(pieces) and written >= len(pieces[first]):
            written -= len(pieces[first])
            first += 1
        if written:
            pieces[first] = memoryview(pieces[first])[written:]


def _iov_max() -> int:
    """How many pieces one writev(2) takes (0: no writev, as on Windows)."""
    try:
        return min(os.sysconf("SC_IOV_MAX"), 1024) if hasattr(os, "writev") else 0
    except (AttributeError, ValueError, OSError):
        return 0


_WRITEV = _iov_max()
_FADVISE = hasattr(os, "posix_fadvise")  # not on Windows or macOS


def place(src, dst, replace: bool) -> None:
    """Move a finished file into place; without `replace`, FileExistsError rather than replacing anything
    (a hard link fails atomically when the name exists)."""
    if replace:
        os.replace(src, dst)
        return
    try:
        os.link(src, dst)
    except OSError as exc:  # a file system without hard links (EEXIST, a FileExistsError, is not one of these)
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK, errno.ENOSYS):
            raise
        if os.path.lexists(dst):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst)) from None
        os.rename(src, dst)
        return
    os.unlink(src)


def write_new_files(folder, files, exists_message: str = "文件已存在,不会覆盖") -> None:
    """Create every (name, text) of files in folder, or none of them: every name is checked first (a plain
    name, new, inside folder), the files are written into a staging folder and then moved in; a failure
    takes back what was moved and the folders made."""
    shown = str(folder)
    real = Path(os.path.realpath(folder))
    problems = []
    for name, _ in files:
        where = str(Path(folder) / name)
        if name in ("", ".", "..") or "/" in name or os.sep in name:
            problems.append(Diagnostic(where, 0, 0, "", "文件名指向目标目录之外,拒绝写入", suggestion="检查数据中的名称"))
        elif len(name.encode("utf-8", "surrogateescape")) > NAME_MAX:
            problems.extend(_name_too_long(where).diagnostics)
        elif os.path.lexists(real / name):
            problems.append(Diagnostic(where, 0, 0, "", exists_message,
                                       suggestion="删除或改名后重试,或用 -o 指定其他目录"))
    if problems:
        raise InputError(problems)
    made: list = []
    placed: list = []
    staging = None
    try:
        _make_folders(real, made)
        staging = temporary_folder(real)
        for name, text in files:
            fd = os.open(os.path.join(staging, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
            try:
                _write_all(fd, text.encode("utf-8"))
                os.fsync(fd)
            finally:
                os.close(fd)
        for name, _ in files:
            place(os.path.join(staging, name), real / name, replace=False)
            placed.append(real / name)
    except BaseException as exc:
        for path in placed:
            _discard(str(path))
        if staging is not None:
            release_temporary(staging)
            staging = None
        for path in reversed(made):
            with contextlib.suppress(OSError):
                os.rmdir(path)
        if isinstance(exc, FileExistsError):
            raise refuse(exc.filename or shown, exists_message, "删除或改名后重试") from None
        if isinstance(exc, OSError):
            raise _problem(shown, exc) from None
        raise
    finally:
        if staging is not None:
            release_temporary(staging)


def make_parent(output: str) -> None:
    """mkdir -p for the folder an output file goes in (facts/2024/ made when missing); a path through an existing
    file (-o onto an input file, then a name under it) is refused as a write would refuse it, exit 2."""
    try:
        _make_folders(Path(output).parent, [])
    except OSError as exc:
        raise _problem(output, exc) from None


def _make_folders(path: Path, made: list) -> None:
    """mkdir -p, remembering each folder made (so a failure can remove them again)."""
    missing = []
    while not os.path.lexists(path):
        missing.append(path)
        path = path.parent
    if not os.path.isdir(path):
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path))
    for folder in reversed(missing):
        os.mkdir(folder)
        made.append(folder)


def temporary_folder(parent) -> str:
    """A staging folder of our naming in parent (removed on signals, swept when abandoned)."""
    sweep_stale(parent)
    with _SignalsHeld():
        path = tempfile.mkdtemp(dir=parent, prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=TEMP_SUFFIX)
        _live.add(path)
    return path


def release_temporary(path: str) -> None:
    _discard(path)
    _live.discard(path)


def sweep_stale(folder) -> None:
    """Remove temporary files of our naming that a killed perfaudit left: only when the pid in the name is
    not running and the file has not been written for STALE_SECONDS (another host may share the folder)."""
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        match = _TEMP_NAME.fullmatch(entry.name)
        if not match or entry.is_symlink():
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except OSError:
            continue
        if age >= STALE_SECONDS and not _running(int(match[1])):
            _discard(entry.path)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
