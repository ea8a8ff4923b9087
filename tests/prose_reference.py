"""render/style.prose as it was written first, a walk over every character: the reference its regex-driven
version is compared with (tests/test_report_style.py)."""
from __future__ import annotations

from engine.render.style import _CJK, _CLOSE_QUOTES, _FULL, _HALF, _OPEN_QUOTES, _between_ascii, _cjk_at


def prose(text: str) -> str:
    if not _HALF.search(text):
        return text
    chars = list(text)
    shielded = (_shielded(chars) if "/" in text or any(q in text for q in _OPEN_QUOTES) else
                [False] * len(chars))
    opened = []
    for i, c in enumerate(chars):
        if shielded[i]:
            continue
        if c == "(":
            opened.append(i)
        elif c == ")" and opened:
            j = opened.pop()
            if _cjk_at(chars, j - 1) or _cjk_at(chars, j + 1) or _cjk_at(chars, i - 1) or _cjk_at(chars, i + 1):
                chars[j], chars[i] = _FULL["("], _FULL[")"]
    out, chinese = [], bool(_CJK.search(text))
    for i, c in enumerate(chars):
        if c and c in ",:;" and not shielded[i] and (_cjk_at(chars, i - 1) or _cjk_at(chars, i + 1) or (
                i + 1 < len(chars) and chars[i + 1] == " " and _cjk_at(chars, i + 2)) or (
                c != ":" and chinese and not _between_ascii(chars, i))):
            out.append(_FULL[c])
            if i + 1 < len(chars) and chars[i + 1] == " ":
                chars[i + 1] = ""
            continue
        out.append(c)
    return "".join(out)


def _shielded(chars) -> list:
    out, depth, word_start = [False] * len(chars), 0, 0
    for i, c in enumerate(chars + [" "]):
        if c.isspace() or c == "`":
            if "/" in chars[word_start:i]:
                out[word_start:i] = [True] * (i - word_start)
            word_start = i + 1
        if i == len(chars):
            break
        if c in _OPEN_QUOTES:
            depth += 1
        elif c in _CLOSE_QUOTES:
            depth = max(0, depth - 1)
        elif depth:
            out[i] = True
    return out
