"""Load stage: YAML text -> plain data plus the line and column of every node.

PyYAML's SafeLoader is used only to *compose* the node tree; we construct values
ourselves so that duplicate keys, anchors, exotic tags and lossy numbers become
diagnostics instead of silent surprises.
"""
from __future__ import annotations

import re
import sys
from decimal import Decimal
from itertools import chain
from pathlib import Path

import yaml

from ..core.errors import Diagnostic
from .yamldoc import MAX_DEPTH, MAX_DIGITS, Document, PathKey, render_path  # noqa: F401 (re-exported)

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_ALIAS_PROBLEMS = 10  # an alias bomb must not turn into a million diagnostics
# A file with this many aliases is refused whatever follows; reading the rest (100,000 aliases: 4 s in the
# pure-Python scanner) would only feed the count the builder no longer reports. Far above MAX_ALIAS_PROBLEMS,
# so that aliases under values the builder skips (a duplicate key's) cannot leave it short of the summary.
_ALIASES_READ = 1000
# The fast paths, tried in this order before the pure-Python composer: the line scanner (engine/load/yamlscan.py)
# and libyaml. Callers pass fewer to get the reference paths (tests compare them).
FAST_PATHS = ("scan", "libyaml")

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"

_PLAIN_DECIMAL = re.compile(r"^[-+]?[0-9]+(\.[0-9]*)?$|^[-+]?\.[0-9]+$")
_PLAIN_INT = re.compile(r"^[-+]?[0-9]+$")
# in a value, after escapes are decoded: C0 controls other than tab, LF and CR, DEL, C1 controls, lone surrogates.
# Printed reports and xlsx cells cannot hold them, so they are refused at load, the same for facts and rules.
_BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_ALIAS = "!perfaudit/alias"  # what our composer puts where the file wrote *name

# PyYAML's problem texts, in the words an auditor needs (the first match wins)
_YAML_PROBLEMS = (
    ("found character '\\t'", "此处有 Tab 字符"),
    ("found a tab character", "此处有 Tab 字符"),
    ("mapping values are not allowed here",
     "此处不能出现“键: 值”(检查缩进是否对齐、冒号后是否有空格;文字本身含“: ”时请给整段文字加引号)"),
    ("could not find expected ':'", "缺少冒号“:”(每行应写成 键: 值)"),
    ("expected <block end>, but found '<scalar>'", "此处多出一段文字(常见原因: 前面的引号没有闭合,或缩进不一致)"),
    ("expected <block end>", "缩进不一致(同一层的键或列表项应左对齐)"),
    ("sequence entries are not allowed here", "此处不能出现列表项“- ”(检查缩进)"),
    ("found unexpected end of stream", "文件在引号或括号闭合之前就结束了(检查引号是否成对)"),
    ("expected ',' or ']'", "方括号 [ ] 没有闭合,或元素之间缺少逗号"),
    ("expected ',' or '}'", "花括号 { } 没有闭合,或元素之间缺少逗号"),
    ("but found another document", "一个文件只能有一个 YAML 文档(删除多余的“---”)"),
    ("found unknown escape character", "双引号中的反斜杠转义无效(含“\\”的文字请改用单引号)"),
    ("that cannot start any token", "这个字符不能作为值的开头(请给整段文字加引号)"),
    ("found duplicate anchor", "不支持 YAML 锚点/别名(& 和 *)"),
)


def _tag_text(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


_UNREADABLE = "检查文件是否存在、是否有读取权限,以及路径是否指向文件而不是目录"
_SYNTAX_HINT = "按提示改正此处;看不出问题时,检查上一行的引号、括号是否成对,缩进是否与同层对齐"
_DEPTH_HINT = "减少嵌套层数;事实文件和规则文件通常不超过 6 层"


def read_text(path: Path, display: str) -> tuple[str | None, list[Diagnostic]]:
    """Read a UTF-8 file; name the encoding when it is not UTF-8 rather than show mojibake."""
    try:
        size = path.stat().st_size
        raw = path.read_bytes() if size <= MAX_FILE_BYTES else None
    except OSError as exc:  # permission denied, a directory named *.yaml, a vanished file
        return None, [Diagnostic(display, 0, 0, "", f"无法读取文件: {exc.strerror}", suggestion=_UNREADABLE)]
    if raw is None:
        return None, [Diagnostic(
            display, 0, 0, "",
            f"文件过大({size / 1048576:.1f} MiB),超过上限 {MAX_FILE_BYTES // 1048576} MiB",
            suggestion="拆分为多个文件:事实文件按部门,规则文件按规则族(一个族一个文件)")]
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 BOM is what Windows editors add; the content is still UTF-8
    if b"\x00" in raw:
        return None, [_nul_problem(raw, display)]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line, column = _byte_place(raw, exc.start)  # the first bad byte: all before it is UTF-8
        try:
            raw.decode("gb18030")
            hint = "文件看起来是 GBK/GB18030 编码"
        except UnicodeDecodeError:
            hint = "文件不是 UTF-8 编码"
        return None, [Diagnostic(display, line, column, "", f"{hint},无法按 UTF-8 读取",
                                 expected="UTF-8 编码",
                                 suggestion="用编辑器“另存为 UTF-8”,或运行 iconv -f GBK -t UTF-8")]


def _looks_utf16(raw: bytes) -> bool:
    """A UTF-16 byte order mark, or NUL in most even or most odd bytes (ASCII text as UTF-16 without a mark)."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    head = raw[:4096]
    half = len(head) // 2
    return half >= 4 and max(head[0::2].count(0), head[1::2].count(0)) > half * 0.4


def _nul_problem(raw: bytes, display: str) -> Diagnostic:
    if _looks_utf16(raw):
        return Diagnostic(display, 0, 0, "", "文件是 UTF-16 编码(如 Windows 记事本的“Unicode”),不是 UTF-8",
                          expected="UTF-8 编码的 YAML 文本", suggestion="用编辑器“另存为 UTF-8”")
    return Diagnostic(display, *_byte_place(raw, raw.index(b"\x00")), "", "文件中含有 NUL 字节(U+0000),不是纯文本",
                      expected="UTF-8 编码的 YAML 文本", suggestion="删除该字符;若文件是由其他程序导出的,请另存为 UTF-8 文本")


def _byte_place(raw: bytes, at: int) -> tuple[int, int]:
    """Line and column (in characters) of the byte at offset `at`."""
    start = raw.rfind(b"\n", 0, at) + 1
    return raw.count(b"\n", 0, at) + 1, len(raw[start:at].decode("utf-8", errors="replace")) + 1


def load_yaml_file(path: Path, display: str | None = None, fast: tuple = FAST_PATHS, plan=None
                   ) -> tuple[Document | None, list[Diagnostic]]:
    display = display or str(path)
    text, problems = read_text(path, display)
    if text is None:
        return None, problems
    return load_yaml_text(text, display, fast, plan)


class _TooDeep(yaml.MarkedYAMLError):
    pass


class _Loader(yaml.SafeLoader):
    """SafeLoader whose composer never shares nodes and refuses deep nesting where it happens.

    An alias (*name) becomes a placeholder node at the alias's own position, so a billion-laughs
    file costs one node per alias written, and the builder reports each one with its path.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self.get_event()
            self._aliases += 1
            if self._aliases == _ALIASES_READ:
                self._stop_reading(event)
            return yaml.ScalarNode(_ALIAS, event.anchor, event.start_mark, event.end_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH + 1:
                raise _TooDeep(None, None, f"嵌套层数过深(上限 {MAX_DEPTH} 层)", event.start_mark)
            node = super().compose_node(parent, index)
            if getattr(event, "tag", None) is not None:
                node.written_tag = event.tag  # the builder refuses every tag written in the file, even !!str
            return node
        finally:
            self._depth -= 1

    def _stop_reading(self, last):
        """Close every open collection here and read no further: each open loop sees its end event at once,
        and a mapping value still owed becomes an empty scalar. Instance attributes, so a document that
        never gets here pays nothing."""
        self.check_event = lambda *choices: True
        self.get_event = lambda: last
        self.compose_node = lambda parent, index: yaml.ScalarNode(_NULL, "", last.end_mark, last.end_mark)


_FULLWIDTH_COLON_KEY = re.compile(r"^\s*(?:-\s+)?[^\s:：#\"'{\[]+(：)")
_BRACE_VALUE = re.compile(r"^\s*(?:-\s+)?[^\s:#\"']+:\s+(\{)(?!.*\}\s*(#.*)?$)")


def _typing_slip(lines: list, mark) -> tuple | None:
    """(line, column, message, suggestion) for two slips PyYAML reports by their symptom: a key written
    with the full-width colon "：" (the error comes on the next line), and an unquoted text value that
    starts with "{" (read as the start of a {...} mapping)."""
    candidates = [n for n in range(min(mark.line, len(lines) - 1), -1, -1) if lines[n].strip()][:2]
    for n in candidates:
        found = _FULLWIDTH_COLON_KEY.match(lines[n])
        if found:
            return (n + 1, found.start(1) + 1, "YAML 语法错误: 键后面用了全角冒号“：”",
                    "改为半角冒号加空格,如 " + lines[n].strip().replace("：", ": ", 1))
    if candidates and (found := _BRACE_VALUE.match(lines[candidates[0]])):
        key, value = lines[candidates[0]][:found.start(1)].strip(), lines[candidates[0]][found.start(1):].strip()
        shown = value if len(value) <= 20 else value[:20] + "……"
        return (candidates[0] + 1, found.start(1) + 1, "YAML 语法错误: 以 { 开头的文字必须加引号",
                f"给整段文字加双引号,如 {key} \"{shown}\"(不加引号时 {{ 被当作映射的开始)")
    return None


def _fast_loader():
    """libyaml's composer (when PyYAML was built with it), with a per-document cache of implicit tags."""
    base = getattr(yaml, "CSafeLoader", None)
    if base is None:
        return None
    scalar, base_resolve = yaml.ScalarNode, base.resolve

    class FastLoader(base):
        def __init__(self, stream):
            super().__init__(stream)
            tags: dict = {}
            if self.yaml_path_resolvers:
                return  # someone registered path resolvers: keep PyYAML's resolution as it is

            # libyaml calls these three for every node; SafeLoader has no path resolvers, so the first two
            # do nothing, and a plain scalar's tag depends on its text alone
            self.descend_resolver = {}.get  # (node, index) -> ignored, in C
            self.ascend_resolver = int  # () -> ignored, in C

            def resolve(kind, value, implicit, self=self):
                if kind is scalar and implicit[0]:
                    tag = tags.get(value)
                    if tag is None:
                        tag = tags[value] = base_resolve(self, kind, value, implicit)
                    return tag
                return base_resolve(self, kind, value, implicit)

            self.resolve = resolve

    return FastLoader


_FAST_LOADER = _fast_loader()  # None when PyYAML was built without libyaml
# Where libyaml and PyYAML differ (tabs, BOM/NEL/LS/PS, control characters, "?" inside flow
# collections) or `_Loader` differs from both (anchors "&", aliases "*" and tags "!" written in the
# file), the text takes the pure-Python path. Those three can only open a node (line start, after
# "- ", ": " or a flow bracket or comma); inside text, such as a rule's "a != b" or "x * y", they stay
# on the fast path.
_NOT_FAST = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f?\u2028\u2029\ufeff]"
                       "|(?:^[ ]*(?:-[ ]+)*|:[ ]+|[\\[{,][ ]*)[!&*]", re.MULTILINE)


def _fast_document(text: str, display: str) -> Document | None:
    """The happy path through libyaml's composer, several times faster than the pure-Python one.

    Taken only by documents that come out clean: no anchors or aliases (which `_Loader` composes
    specially), no error from libyaml, no problem found by the builder (which also catches the
    nesting `_Loader` refuses). Anything else returns None and goes through the pure-Python path,
    which produces the diagnostics. tests/test_fast_paths.py checks that both paths give the same
    data and positions.
    """
    if _FAST_LOADER is None or _NOT_FAST.search(text):
        return None
    try:
        loader = _FAST_LOADER(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except Exception:  # noqa: BLE001 - whatever libyaml refuses, the pure-Python path explains
        return None
    if node is None or isinstance(node, yaml.ScalarNode) or not _same_positions(node):
        return None
    return _Builder(display).document(node)[0]


def _same_positions(root) -> bool:
    """False where libyaml places or reads a node differently: empty plain scalars (an implicit null's
    position), block scalars (libyaml accepts headers PyYAML refuses)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            if (not node.style and node.value == "") or node.style in ("|", ">"):
                return False
        else:  # a mapping's (key, value) pairs, or a sequence's items
            stack.extend(chain.from_iterable(node.value) if isinstance(node, yaml.MappingNode) else node.value)
    return True


def load_yaml_text(text: str, display: str, fast: tuple = FAST_PATHS, plan=None
                   ) -> tuple[Document | None, list[Diagnostic]]:
    """fast: the fast paths to try (FAST_PATHS or fewer); each gives the pure-Python path's document or
    nothing, and every error comes from the pure-Python path. plan: the schema the line scanner checks as it
    reads (Document.checked)."""
    if not text.strip():
        return None, [Diagnostic(display, 1, 1, "", "文件为空", expected="一个 YAML 映射(键: 值)")]
    if "scan" in fast:
        from .yamlscan import scan

        scanned = scan(text, display, plan)
        if scanned is not None:
            return scanned, []
    if "libyaml" in fast:
        composed = _fast_document(text, display)
        if composed is not None:
            return composed, []
    try:
        node = yaml.compose(text, Loader=_Loader)
    except _TooDeep as exc:
        mark = exc.problem_mark
        return None, [Diagnostic(display, mark.line + 1, mark.column + 1, "", exc.problem, suggestion=_DEPTH_HINT)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = exc.problem or exc.context or ""
        message = "YAML 语法错误: " + next((chinese for english, chinese in _YAML_PROBLEMS if english in problem), problem)
        opened = exc.context_mark
        if exc.problem_mark and opened and ("flow" in (exc.context or "") or "quoted" in (exc.context or "")) \
                and opened.line != exc.problem_mark.line:
            # an unclosed bracket or quote is found lines later; say where it was opened
            message += f"(括号或引号开始于第 {opened.line + 1} 行第 {opened.column + 1} 列)"
        lines = text.splitlines()
        bad_line = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
        suggestion = "YAML 不允许用 Tab 缩进,请改用空格" if "\t" in bad_line or "\t" in str(exc.problem) else _SYNTAX_HINT
        cause = _typing_slip(lines, mark) if mark is not None else None
        if cause is not None:  # PyYAML notices it a line late, or names only its symptom
            line, col, message, suggestion = cause
        return None, [Diagnostic(display, line, col, "", message, suggestion=suggestion)]
    except yaml.reader.ReaderError as exc:  # a control character: located by offset, not by mark
        pos = exc.position
        line, col = text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return None, [Diagnostic(display, line, col, "", f"文件含有不允许的控制字符 U+{code:04X}",
                                 suggestion="删除该字符(常见于从 Word、网页复制的文字)")]
    except yaml.YAMLError as exc:  # composer errors without marks
        return None, [Diagnostic(display, 0, 0, "", f"YAML 错误: {exc}", suggestion=_SYNTAX_HINT)]
    except RecursionError:
        return None, [Diagnostic(display, 0, 0, "", f"嵌套层数过深(上限 {MAX_DEPTH} 层)", suggestion=_DEPTH_HINT)]
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL and node.value == ""):
        return None, [Diagnostic(display, 1, 1, "", "文件为空", expected="一个 YAML 映射(键: 值)")]
    return _Builder(display).document(node)


class _Builder:
    def __init__(self, display: str):
        self.display = display
        self.marks: dict = {}
        self.key_marks: dict = {}
        self.problems: list[Diagnostic] = []
        self._seen: set[int] = set()
        self._aliases = 0

    def document(self, node) -> tuple[Document | None, list[Diagnostic]]:
        """The document of a composed node tree, or None and the problems found in it."""
        data = self.build(node, (), 0)
        return (None if self.problems else Document(self.display, data, self.marks, self.key_marks)), self.problems

    def _problem(self, node, path, message, expected="", suggestion=""):
        self.problems.append(Diagnostic(self.display, node.start_mark.line + 1, node.start_mark.column + 1,
                                        render_path(path), message, expected, suggestion))

    def build(self, node, path: PathKey, depth: int):
        self.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if node.tag == _ALIAS:
            self._alias(node, path)
            return None
        if id(node) in self._seen:
            # compose() resolves aliases to shared nodes; sharing is how alias bombs explode
            self._problem(node, path, "不支持 YAML 锚点/别名(& 和 *)", suggestion="把内容直接写出来")
            return None
        self._seen.add(id(node))
        written = getattr(node, "written_tag", None)
        if written is not None:
            self._problem(node, path, f"不支持的 YAML 标签 {_tag_text(written)}", expected="不带标签的值",
                          suggestion="删除标签(以 ! 开头的部分);日期、数字等写成普通文本或数字即可")
            return None
        if depth > MAX_DEPTH:
            self._problem(node, path, f"嵌套层数过深(上限 {MAX_DEPTH} 层)", suggestion=_DEPTH_HINT)
            return None
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        mapping = isinstance(node, yaml.MappingNode)
        if node.tag != (_MAP if mapping else _SEQ):
            self._problem(node, path, f"不支持的 YAML 标签 {node.tag}")
            return None
        if mapping:
            return self._mapping(node, path, depth)
        return [self.build(child, path + (i,), depth + 1) for i, child in enumerate(node.value)]

    def _alias(self, node, path):
        self._aliases += 1
        if self._aliases <= MAX_ALIAS_PROBLEMS:
            self._problem(node, path, "不支持 YAML 锚点/别名(& 和 *)", suggestion="把内容直接写出来")
        elif self._aliases == MAX_ALIAS_PROBLEMS + 1:
            self._problem(node, path, "不支持 YAML 锚点/别名(& 和 *);此后的别名不再逐一列出",
                          suggestion="把内容直接写出来")

    def _text(self, node, path, text):
        bad = _BAD_CHARACTER.search(text)
        if bad is None:
            return True
        code = ord(bad.group())
        if 0xD800 <= code <= 0xDFFF:
            self._problem(node, path, "文本含有无效的 Unicode 代理字符(如 \\ud800)",
                          expected="有效的 UTF-8 文本", suggestion="删除双引号中的 \\uD800—\\uDFFF 转义")
        else:
            self._problem(node, path, f"文本含有不允许的控制字符 U+{code:04X}(第 {bad.start() + 1} 个字符)",
                          expected="不含控制字符的文本(换行和 Tab 除外)",
                          suggestion="删除该字符或双引号中产生它的转义(如 \\x01);常见于从 Word、网页复制的文字")
        return False

    def _mapping(self, node, path, depth):
        out: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, path, "映射的键必须是简单文本")
                continue
            key = key_node.value
            if key_node.tag == _ALIAS:
                self._alias(key_node, path)
                continue
            if not self._text(key_node, path, key):
                continue
            if key == "<<":
                self._problem(key_node, path, "不支持 YAML 合并键(<<)", suggestion="把内容直接写出来")
                continue
            child = path + (key,)
            if key in out:
                first = self.key_marks[child]
                self._problem(key_node, child, f"重复的键 “{key}”(第一次出现在第 {first[0]} 行)",
                              suggestion="删除或合并其中一个;YAML 会静默丢弃前一个值")
                continue
            self.key_marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = self.build(value_node, child, depth + 1)
        return out

    def _scalar(self, node, path):
        tag, text = node.tag, node.value
        if tag == _STR or tag == _TIMESTAMP:
            # interned: section names, units and kinds repeat in every record of a province's facts
            return sys.intern(text) if self._text(node, path, text) else None
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return text.lower() in ("true", "yes", "on", "y")
        if tag == _INT or tag == _FLOAT:
            return self._number(node, path, text, tag == _INT)
        self._problem(node, path, f"不支持的 YAML 标签 {tag}", expected="文本、数字、true/false、列表或映射")
        return None

    def _number(self, node, path, text, integer: bool):
        """An !!int as an int, an !!float as a Decimal (which keeps the printed precision: 50.00 stays 50.00, not
        50.0), or None with the problem: (message, expected) of the first check the text fails."""
        cleaned = text.replace("_", "")
        lowered = cleaned.lower()
        problem = None
        if integer:
            if not _PLAIN_INT.match(cleaned):
                problem = f"不支持的整数写法 “{text}”", "十进制数字,如 100"
        elif "inf" in lowered or "nan" in lowered:
            problem = f"不接受非有限数 “{text}”", "有限的十进制数"
        elif "e" in lowered:
            problem = f"不接受科学计数法 “{text}”", "按报告原样书写的十进制数,如 170.35"
        elif not _PLAIN_DECIMAL.match(cleaned):  # Decimal reads whatever it matches
            problem = f"无法识别的数字 “{text}”", "十进制数,如 170.35"
        if problem is None and sum(ch.isdigit() for ch in cleaned) > MAX_DIGITS:
            problem = (f"数字位数过多 “{text[:40]}{'…' if len(text) > 40 else ''}”(超过 {MAX_DIGITS} 位)",
                       "按报告原样书写的数字,如 170.35")
        if problem is not None:
            self._problem(node, path, *problem)
            return None
        return int(cleaned) if integer else Decimal(cleaned)
