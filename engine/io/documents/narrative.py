"""A free-text report's paragraphs -> its narrative: one entry per numbered heading, with the text below it.

Reports number their headings (一、 (一) 1、 1. (1)); that numbering, not a font or a style, is what every
format keeps (a web page, a Word file and a PDF's text layer alike), so it is how a heading is told from text:
a short line that starts with a number and does not end a sentence. The number is the heading's place and
goes into `section` (with those of the headings above it, 一、(二)); `heading` is the printed words after it.
Text under no heading is an entry per paragraph, without a heading; the title line is the document's title, not text.
A heading run into its text on one line ("(一)项目基本概况我校2022年项目为一个:……") is not split: where the
heading ends would be a guess. A numbered line with a sentence's punctuation in it (,:;) or longer than a
heading is text, under the heading above.
"""
from __future__ import annotations

import re

from .vocabulary import vocabulary

MAX_HEADING = 40  # a longer numbered line is a numbered sentence of the text, not a heading
_CN = "一二三四五六七八九十"
# (pattern, level): 一、 above (一) above 1、/1. above (1)
_LEVELS = ((re.compile(f"^[{_CN}]+[、.．]"), 1), (re.compile(f"^[((][{_CN}]+[))]"), 2),
           (re.compile(r"^[0-9]+(?:[、．]|\.(?![0-9]))"), 3), (re.compile(r"^[((][0-9]+[))]"), 4))
HEADING = re.compile("|".join(p.pattern for p, _ in _LEVELS))  # any numbered line (the PDF reader's paragraphs)
_ENDS = tuple("。;;!!??")
_PUNCTUATION = re.compile("[,,::;;。]")


def heading(text: str) -> tuple | None:
    """(level, number, words) when the line is a numbered heading, else None."""
    if len(text) > MAX_HEADING or text.endswith(_ENDS) or _PUNCTUATION.search(text):
        return None
    for pattern, level in _LEVELS:
        match = pattern.match(text)
        if match and text[match.end():].strip():
            return level, match.group(0), text[match.end():].strip()
    return None


def entries(paragraphs: list, places: dict | None = None) -> list:
    """[{section, heading?, text}] in printed order; paragraphs: model.Paragraph list. A heading with headings
    below it and no text of its own is not an entry: its number is in the section of those below it. places,
    when given, gets each text paragraph's place with the numbers of its headings (二、 第5段)."""
    places = {} if places is None else places
    out: list = []
    open_numbers: list = []  # (level, number) of the headings the text is under
    current: dict | None = None
    for p in paragraphs:
        if not out and len(p.text) <= MAX_HEADING * 2 and not p.text.endswith(_ENDS + tuple("::")) and \
                vocabulary().title_in(p.text):
            continue  # the report's title (document.title), printed above its text
        found = heading(p.text)
        if found:
            level, number, words = found
            if current is not None and "heading" in current and current["text"] is None and \
                    open_numbers and open_numbers[-1][0] < level:
                out.pop()  # the heading above is a parent heading
            open_numbers = [(lv, n) for lv, n in open_numbers if lv < level] + [(level, number)]
            current = {"section": "".join(n for _, n in open_numbers) + " " + p.ref, "heading": words, "text": None}
            out.append(current)
        elif current is None or "heading" not in current:  # text under no heading: an entry per paragraph
            current = {"section": p.ref, "text": p.text}
            out.append(current)
            places[p.ref] = p.ref
        else:
            current["text"] = p.text if current["text"] is None else current["text"] + "\n" + p.text
            places[p.ref] = "".join(n for _, n in open_numbers) + " " + p.ref
    return out
