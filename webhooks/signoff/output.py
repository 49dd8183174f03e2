"""Write a sign-off document out as HTML or Markdown, through Jinja templates that hold
the layout (the words are in the document and in words.yml)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from webhooks.signoff.document import Document
from webhooks.signoff.words import Words, load_words

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates" / "signoff"
HTML, MARKDOWN = "html", "md"
FORMATS = (HTML, MARKDOWN)
_TEMPLATES = {HTML: "document.html.j2", MARKDOWN: "document.md.j2"}
# Characters that would turn a person's words into Markdown formatting.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_<])")
_BLANK_LINES = re.compile(r"\n{3,}")


def markdown_text(text: str) -> str:
    """Text shown as written in Markdown: formatting characters escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


@lru_cache(maxsize=1)
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["md"] = markdown_text
    return environment


def render(document: Document, fmt: str = HTML, words: Words | None = None) -> str:
    """The document as a self-contained HTML page, or as Markdown."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    words = words or load_words()
    template = _environment().get_template(_TEMPLATES[fmt])
    text = template.render(doc=document, w=words.get("document"), words=words)
    # The templates' blocks leave runs of blank lines; one is all Markdown needs.
    return _BLANK_LINES.sub("\n\n", text) if fmt == MARKDOWN else text
