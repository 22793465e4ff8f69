"""Markdown for what users write (briefings, lessons learned, rationales, names): shown, never run.

``render`` turns Markdown into HTML with raw HTML shown as text, no images (a report stays self-contained and
a page never fetches what a text names) and only safe links (markdown-it refuses ``javascript:``, ``vbscript:``,
``file:`` and ``data:`` targets).  ``literal`` quotes a text inside the kit's own Markdown so that it shows
exactly as written, on one line: its Markdown characters are escaped.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table").disable("image")
_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character: CommonMark lets a backslash escape each


def render(text: str) -> str:
    """HTML for Markdown ``text`` that a user wrote."""
    return _MARKDOWN.render(text)


def literal(text: object) -> str:
    """``text`` as Markdown that renders to exactly its characters, on one line."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
