"""Bytes and headers of Chinese mail into text: GB2312/GBK/GB18030/UTF-8, encoded words,
and HTML-only mails turned into plain text. Nothing here raises on bad input."""
from __future__ import annotations

import codecs
import html
import re
from email.header import decode_header
from html.parser import HTMLParser
from typing import List, Optional

# Mail clients label GBK text as gb2312 all the time; GB18030 is a superset of both.
_CHARSET_ALIASES = {
    "gb2312": "gb18030", "gb_2312": "gb18030", "gb_2312-80": "gb18030", "euc-cn": "gb18030",
    "x-gbk": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "ms936": "gb18030", "x-euc-cn": "gb18030",
    "hz-gb-2312": "hz", "unicode-1-1-utf-7": "utf-7", "utf8": "utf-8", "x-unknown": "",
    "unknown-8bit": "", "us-ascii": "utf-8", "ascii": "utf-8",
}


def normal_charset(charset: Optional[str]) -> str:
    name = (charset or "").strip().strip('"').lower()
    name = _CHARSET_ALIASES.get(name, name)
    if not name:
        return ""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return ""


def decode_bytes(data: bytes, charset: Optional[str] = None) -> str:
    """Declared charset first (widened to GB18030 for GB2312/GBK), then UTF-8, then GB18030."""
    tried = []
    for name in (normal_charset(charset), "utf-8", "gb18030"):
        if not name or name in tried:
            continue
        tried.append(name)
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode(tried[0] if tried else "utf-8", errors="replace")


def decode_header_value(value: Optional[str]) -> str:
    """An RFC 2047 header ("=?GB2312?B?...?=") as text, one line."""
    if value is None:
        return ""
    raw = str(value)
    try:
        parts = decode_header(raw)
    except Exception:  # malformed encoded words: keep the raw text
        parts = [(raw, None)]
    out: List[str] = []
    for chunk, charset in parts:
        out.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
    return re.sub(r"\s*[\r\n]+\s*", " ", "".join(out)).strip()


class _TextExtractor(HTMLParser):
    """Visible text of an HTML mail; quoted history (blockquote, reply containers) left out."""

    _SKIP = {"script", "style", "head", "title", "template", "noscript"}
    _BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre", "hr", "section"}
    _QUOTE_IDS = ("divrplyfwdmsg", "appendonsend", "original-content", "reply-content", "mailcontent_original",
                  "isforwardcontent", "isreplycontent", "ntes-quote")
    _QUOTE_CLASSES = ("gmail_quote", "moz-cite-prefix", "yahoo_quoted", "ntes-mailmaster-quote", "qmbox", "foxmail_quote")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: List[str] = []
        self._stack: List[tuple] = []  # (tag, hides)
        self._hidden = 0

    def _hides(self, tag: str, attrs) -> bool:
        if tag in self._SKIP or tag == "blockquote":
            return True
        values = {k.lower(): (v or "").lower() for k, v in attrs}
        ident, klass = values.get("id", ""), values.get("class", "")
        return any(q in ident for q in self._QUOTE_IDS) or any(q in klass for q in self._QUOTE_CLASSES)

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "hr", "img", "meta", "link", "input"):  # void elements
            if tag in ("br", "hr") and not self._hidden:
                self.parts.append("\n")
            return
        hides = self._hides(tag, attrs)
        self._stack.append((tag, hides))
        if hides:
            self._hidden += 1
        elif tag in self._BLOCK and not self._hidden:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        while self._stack:
            open_tag, hides = self._stack.pop()
            if hides:
                self._hidden -= 1
            if open_tag == tag:
                break
        if tag in self._BLOCK and not self._hidden:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
        text = "".join(parser.parts)
    except Exception:  # broken markup: strip tags the blunt way
        text = html.unescape(re.sub(r"<[^>]+>", " ", markup))
    text = text.replace("\xa0", " ").replace("\u3000", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
