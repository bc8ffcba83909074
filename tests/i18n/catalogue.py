"""Reading the gettext catalogues (louage/locale/<lang>/LC_MESSAGES/django.po) for the tests,
and finding French source strings left in a page rendered in another language."""

import ast
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "louage" / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdif]|%[sd]|\{\w*\}")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: dict = field(default_factory=dict)  # {form index: text}; 0 for a singular entry
    flags: set = field(default_factory=set)
    line: int = 0
    obsolete: bool = False

    @property
    def texts(self):
        return [self.msgstr.get(i, "") for i in sorted(self.msgstr)] or [""]


def _unquote(rest):
    return ast.literal_eval(rest.strip()) if rest.strip() else ""


def read_po(path):
    """The entries of a .po file, the header (msgid "") first."""
    entries, entry, target = [], None, None
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line or (line.startswith("#") and not line.startswith("#,")):
            if not line and entry is not None:
                entries.append(entry)
                entry, target = None, None
            continue
        if entry is None:
            entry = Entry(line=number, obsolete=obsolete)
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("msgctxt "):
            entry.msgctxt, target = _unquote(line[8:]), ("msgctxt", None)
        elif line.startswith("msgid_plural "):
            entry.msgid_plural, target = _unquote(line[13:]), ("msgid_plural", None)
        elif line.startswith("msgid "):
            entry.msgid, target = _unquote(line[6:]), ("msgid", None)
        elif line.startswith("msgstr["):
            index = int(line[7 : line.index("]")])
            entry.msgstr[index] = _unquote(line[line.index("]") + 1 :])
            target = ("msgstr", index)
        elif line.startswith("msgstr "):
            entry.msgstr[0], target = _unquote(line[7:]), ("msgstr", 0)
        elif line.startswith('"') and target:
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, name, (getattr(entry, name) or "") + _unquote(line))
    if entry is not None:
        entries.append(entry)
    return entries


def messages(language):
    """The live entries of a language's catalogue (no header, no obsolete entry)."""
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    return [e for e in read_po(path) if e.msgid and not e.obsolete]


def placeholders(text):
    return sorted(set(PLACEHOLDER.findall(text)))


# --- French left in a rendered page ----------------------------------------------------------


class _Text(HTMLParser):
    """Visible text nodes and the texts of attributes people read or hear, outside anything
    marked as written in another language (lang="…") or as code."""

    SKIP = {"script", "style", "code", "pre", "template"}
    READ_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "data-confirm")
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}  # fmt: skip

    def __init__(self, language):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.stack = []  # (tag, skipped)
        self.nodes = []

    def _skipped(self):
        return any(skipped for _tag, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        other_language = attrs.get("lang") not in (None, "", self.language) and tag != "html"
        skipped = tag in self.SKIP or other_language or attrs.get("translate") == "no"
        if not skipped and not self._skipped():
            for name in self.READ_ATTRIBUTES:
                if attrs.get(name):
                    self.nodes.append(attrs[name].strip())
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.nodes.append(attrs["value"].strip())
        if tag not in self.VOID:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not self._skipped():
            self.nodes.append(text)


def text_nodes(html, language):
    parser = _Text(language)
    parser.feed(html)
    return parser.nodes


def _literal_chunks(msgid):
    """The parts of a source string that do not depend on its placeholders."""
    return [chunk.strip(" :·,.()«»") for chunk in PLACEHOLDER.split(msgid)]


class FrenchDetector:
    """Finds the catalogue's French source strings in the texts of a page. A text equal to a
    source string is French left untranslated; so is a long stretch of a source string (three
    words or more) found inside a text, which catches sentences built around placeholders."""

    def __init__(self, language):
        self.whole = set()
        self.stretches = []
        for entry in messages(language):
            for source in filter(None, (entry.msgid, entry.msgid_plural)):
                if source in entry.texts:
                    continue  # the same in both languages ("CSV", "Louage", "Konnect")
                if not PLACEHOLDER.search(source):
                    self.whole.add(" ".join(source.split()))
                for chunk in _literal_chunks(source):
                    if len(chunk.split()) >= 3 and len(chunk) >= 14:
                        self.stretches.append(" ".join(chunk.split()))

    def find(self, nodes):
        found = []
        for node in nodes:
            if node in self.whole:
                found.append(node)
                continue
            for stretch in self.stretches:
                if stretch in node:
                    found.append(f"{stretch!r} in {node!r}")
                    break
        return found
