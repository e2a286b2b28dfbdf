"""What a person reads on a page or a PDF, and whether any of it is a code or English.

`visible_text(html)` collects the text nodes a browser shows (not scripts, styles or hidden inputs)
plus the attributes a person reads (title, placeholder, aria-label, alt, button values).
`foreign_words(text)` returns each catalog code or English word in it. Allowed ASCII is what a
Chinese page legitimately carries: numbers, dates, money, ID and credit codes, e-mail addresses,
file names, hashes, and a few acronyms (PDF, App, SHA).
`pdf_text(data)` reads the text a reportlab PDF draws with the CID font (UCS-2 hex strings).
"""

from __future__ import annotations

import re
import zlib
from html.parser import HTMLParser

from shebao.rules.catalog import catalog

# Acronyms and names that a Chinese page uses as they are.
# EMS: China Post's express service, by the name the notice (5.1) uses.
ALLOWED_WORDS = {"PDF", "App", "SHA", "API", "JSON", "OpenAPI", "WeChat", "CSV", "ID", "Bearer", "EMS"}
_SKIP_TAGS = {"script", "style", "template", "noscript", "head"}
_READ_ATTRS = {"title", "placeholder", "aria-label", "alt"}
_STRIP = re.compile(
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+"          # e-mail addresses
    r"|https?://\S+"                       # addresses
    r"|(?<![\w/])/[\w\-./]+"                # a site path shown as a link (/public/announcements/)
    r"|[\w-]+\.(pdf|png|jpe?g|csv|txt|json)\b"  # file names
    r"|\b[0-9a-f]{8,}\b"                   # hashes
    r"|\bshb_\w+"                          # API key prefixes
    r"|(?<=[如→])\s*[a-z]{1,8}\b"           # an example of what to type: pinyin initials (如 zs, 张三 → zs)
    r"|\b(?=[A-Z0-9]*\d)[A-Z0-9]{6,}\b",   # credit codes, account numbers, tracking numbers
    re.IGNORECASE,
)
_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z_\-]*[A-Za-z](?![A-Za-z0-9])")


def catalog_codes() -> set[str]:
    """Every code of the catalog: enum values, business codes, mode names, pack names."""
    codes = {v for values in catalog().enums.values() for v in values}
    codes |= {"beijing-2020-epidemic", "base"}
    return codes


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.chunks: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in _SKIP_TAGS:
            self.skip += 1
            return
        if tag == "input" and (a.get("type") or "").lower() == "hidden":
            return
        for name in _READ_ATTRS:
            if a.get(name):
                self.chunks.append(a[name])
        if tag == "input" and (a.get("type") or "").lower() in {"submit", "button"} and a.get("value"):
            self.chunks.append(a["value"])

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.chunks.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return parser.chunks


def foreign_words(text: str, *, allowed: set[str] = frozenset()) -> list[str]:
    """Catalog codes and English words in ``text`` (empty when it reads as Chinese)."""
    cleaned = _STRIP.sub(" ", text)
    codes = catalog_codes()
    out = []
    for m in _WORD.finditer(cleaned):
        word = m.group(0)
        if word in ALLOWED_WORDS or word in allowed:
            continue
        if word in codes or "_" in word or len(word) >= 2:
            out.append(word)
    return out


_BLOCK_TAGS = {"p", "li", "dt", "dd", "td", "th", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "div", "section",
               "br", "ul", "ol", "table", "form", "label", "option", "summary", "details", "main", "footer",
               "header", "nav", "caption", "button", "select", "textarea", "fieldset", "legend"}


class _Blocks(_Visible):
    """The visible text a reader takes in one block (a paragraph, a list item, a cell): the text of its
    inline elements (a link, a badge) joined, each block on its own line."""

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.chunks.append("\n")
        super().handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in _BLOCK_TAGS:
            self.chunks.append("\n")
        super().handle_endtag(tag)

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.chunks.append(" ".join(data.split()))


def visible_blocks(html: str) -> list[str]:
    """The visible text of a page by block (`_Blocks`), empty blocks left out."""
    parser = _Blocks()
    parser.feed(html)
    return [line.strip() for line in "".join(parser.chunks).split("\n") if line.strip()]


def bracket_problems(text_or_html: str) -> list[str]:
    """Each place where a bracket opens inside a bracket (review-user13 (20)), in a page's blocks or in a
    text (a PDF's, a message's)."""
    from shebao.rules.brackets import nested

    lines = visible_blocks(text_or_html) if "<" in text_or_html else text_or_html.splitlines()
    return [f"括号套括号：{found!r}" for line in lines for found in nested(line)]


def page_problems(html: str, *, allowed: set[str] = frozenset()) -> list[str]:
    """Each visible chunk of a page with the codes or English words in it, each bracket inside a bracket
    and each heading with nothing under it."""
    return [f"{chunk[:120]!r}: {words}" for chunk in visible_text(html)
            if (words := foreign_words(chunk, allowed=allowed))] + bracket_problems(html) + \
        [f"标题下没有内容：{h!r}" for h in empty_headings(html)]


_TEXT_OPS = re.compile(rb"(/F\d+)\s+[\d.]+\s+Tf|\(((?:\\.|[^\\)])*)\)\s*Tj|<([0-9A-Fa-f\s]+)>\s*Tj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\s*endstream", re.S)
_CID_FONT = re.compile(rb"/Encoding /Uni\S+-UCS2-H /Name (/F\d+)")
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _decoded(raw: bytes) -> bytes:
    import base64

    if raw.rstrip().endswith(b"~>"):
        raw = base64.a85decode(raw.strip()[:-2])
    try:
        return zlib.decompress(raw)
    except zlib.error:
        return raw


def _unescape(lit: bytes) -> bytes:
    return re.sub(rb"\\([0-7]{1,3}|.)", lambda m: bytes([int(m.group(1), 8)]) if m.group(1)[:1].isdigit()
                  else _ESCAPES.get(m.group(1), m.group(1)), lit, flags=re.S)


def pdf_text(data: bytes) -> list[str]:
    """The strings a reportlab PDF draws, decoded: UCS-2 for its CID (Chinese) font, Latin-1 otherwise."""
    cid_fonts = set(_CID_FONT.findall(data))
    out = []
    for raw in _STREAM.findall(data):
        font = b""
        for m in _TEXT_OPS.finditer(_decoded(raw)):
            if m.group(1):
                font = m.group(1)
                continue
            raw_text = _unescape(m.group(2)) if m.group(2) is not None else \
                bytes.fromhex(re.sub(rb"\s", b"", m.group(3)).decode())
            out.append(raw_text.decode("utf-16-be") if font in cid_fonts else raw_text.decode("latin-1"))
    return out


_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_CONTAINERS = {"section", "div", "article", "main", "details", "aside", "fieldset"}
_CONTROLS = {"input", "select", "textarea", "button", "img", "iframe", "canvas", "svg"}


class _Headings(HTMLParser):
    """Headings and whether anything a reader sees or uses comes under each before the next heading of
    its level (or above) or the end of the part that holds it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.skip = 0
        self.open: list[list] = []  # [level, depth, text, filled]
        self.in_heading: list | None = None
        self.empty: list[str] = []

    def _close(self, keep) -> None:
        still = []
        for h in self.open:
            if keep(h):
                still.append(h)
            elif not h[3]:
                self.empty.append(h[2])
        self.open = still

    def _filled(self) -> None:
        for h in self.open:
            h[3] = True

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in _SKIP_TAGS:
            self.skip += 1
            return
        if tag in _CONTAINERS:
            self.depth += 1
        if tag in _HEADINGS:
            level = _HEADINGS[tag]
            self._close(lambda h: not (h[0] >= level and h[1] >= self.depth))
            self._filled()  # a subheading belongs to the heading above it; its own content is checked
            self.in_heading = [level, self.depth, "", False]
        elif tag in _CONTROLS and not (tag == "input" and (a.get("type") or "").lower() == "hidden"):
            self._filled()

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in _CONTAINERS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS and self.skip:
            self.skip -= 1
            return
        if tag in _HEADINGS and self.in_heading is not None:
            self.open.append(self.in_heading)
            self.in_heading = None
        elif tag in _CONTAINERS:
            self.depth -= 1
            self._close(lambda h: h[1] <= self.depth)

    def handle_data(self, data):
        if self.skip or not data.strip():
            return
        if self.in_heading is not None:
            self.in_heading[2] += data.strip()
        else:
            self._filled()

    def close(self):
        super().close()
        self._close(lambda h: False)


def empty_headings(html: str) -> list[str]:
    """The headings of a page with nothing under them (review-user13 (21): a case with no documents showed
    the heading 材料 over an empty part): a heading is followed, before the next heading of its level or
    the end of its part, by text, a control or a subheading with its own content."""
    parser = _Headings()
    parser.feed(html)
    parser.close()
    return parser.empty
