"""A small YAML reader and writer for the test doubles (Python's stdlib has no YAML).

It reads the subset that Kubernetes manifests, kind configs, Helm values and kubeconfigs
use: documents separated by `---`, block mappings and sequences (including a sequence at
its key's indentation and `- key: value` compact mappings), plain, single- and
double-quoted scalars, literal and folded block scalars (`|`, `>`, with `-`/`+`), one-line
flow collections (`[a, b]`, `{k: v}`) and comments. Plain scalars resolve as go-yaml v2
(what sigs.k8s.io/yaml and so kubectl use) does: null/~, true/false/yes/no/on/off, ints,
floats; everything else is a string. Anchors, aliases, tags and multi-line flow
collections are not supported: they raise YamlError with the line number.

dump() writes JSON-compatible data as block YAML, quoting every string that would read
back as something else.
"""

import json
import re


class YamlError(Exception):
    def __init__(self, msg, line=None):
        super().__init__(f"line {line}: {msg}" if line else msg)
        self.line = line


_BOOL_TRUE = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"}
_BOOL_FALSE = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"}
_NULL = {"", "~", "null", "Null", "NULL"}
_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_HEX = re.compile(r"^0x[0-9a-fA-F_]+$")
_FLOAT = re.compile(r"^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?$|^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$")


def _resolve_plain(s):
    if s in _NULL:
        return None
    if s in _BOOL_TRUE and s not in ("y", "Y"):
        return True
    if s in _BOOL_FALSE and s not in ("n", "N"):
        return False
    if _INT.match(s):
        return int(s.replace("_", ""))
    if _HEX.match(s):
        return int(s.replace("_", ""), 16)
    if _FLOAT.match(s) and any(c.isdigit() for c in s):
        return float(s.replace("_", ""))
    if s in (".inf", ".Inf", "+.inf"):
        return float("inf")
    return s


def _strip_comment(s):
    """s without a trailing comment (a # at the start or after a space, outside quotes)."""
    quote = None
    i = 0
    while i < len(s):
        c = s[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 2
                continue
            if c == quote:
                if quote == "'" and i + 1 < len(s) and s[i + 1] == "'":
                    i += 2
                    continue
                quote = None
        elif c in "\"'" and (i == 0 or s[i - 1] in " \t[{,:-"):
            quote = c
        elif c == "#" and (i == 0 or s[i - 1] in " \t"):
            return s[:i].rstrip()
        i += 1
    return s.rstrip()


def _find_colon(s):
    """Index of the `:` that ends a mapping key in s (followed by a space or the end), or -1."""
    quote = None
    depth = 0
    i = 0
    while i < len(s):
        c = s[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'" and i == 0:
            quote = c
        elif c in "[{" and i == 0:
            return -1
        elif c == ":" and depth == 0 and (i + 1 == len(s) or s[i + 1] in " \t"):
            return i
        i += 1
    return -1


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", '"': '"', "\\": "\\", "/": "/",
            " ": " ", "a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "v": "\v"}


def _double_quoted(s, line):
    out = []
    i = 1
    while i < len(s):
        c = s[i]
        if c == '"':
            if s[i + 1:].strip():
                raise YamlError(f"unexpected text after a quoted string: {s[i + 1:]!r}", line)
            return "".join(out)
        if c == "\\":
            n = s[i + 1] if i + 1 < len(s) else ""
            if n in _ESCAPES:
                out.append(_ESCAPES[n])
                i += 2
                continue
            if n in "xuU":
                width = {"x": 2, "u": 4, "U": 8}[n]
                out.append(chr(int(s[i + 2:i + 2 + width], 16)))
                i += 2 + width
                continue
            raise YamlError(f"bad escape \\{n}", line)
        out.append(c)
        i += 1
    raise YamlError("unterminated double-quoted string", line)


def _single_quoted(s, line):
    end = len(s) - 1
    if len(s) < 2 or s[end] != "'":
        raise YamlError("unterminated single-quoted string", line)
    return s[1:end].replace("''", "'")


def _split_flow(s, line):
    """Splits the inside of a flow collection on top-level commas."""
    parts, depth, quote, cur = [], 0, None, []
    for c in s:
        if quote:
            cur.append(c)
            if c == quote:
                quote = None
            continue
        if c in "\"'":
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        if c == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
    if quote or depth:
        raise YamlError("unbalanced flow collection", line)
    last = "".join(cur).strip()
    if last:
        parts.append(last)
    return parts


def _scalar(s, line):
    s = s.strip()
    if not s:
        return None
    if s[0] == '"':
        return _double_quoted(s, line)
    if s[0] == "'":
        return _single_quoted(s, line)
    if s[0] == "[":
        if s[-1] != "]":
            raise YamlError("multi-line flow sequences are not supported", line)
        return [_scalar(p, line) for p in _split_flow(s[1:-1], line)]
    if s[0] == "{":
        if s[-1] != "}":
            raise YamlError("multi-line flow mappings are not supported", line)
        out = {}
        for p in _split_flow(s[1:-1], line):
            k = _find_colon(p)
            if k < 0:
                raise YamlError(f"expected key: value in a flow mapping, got {p!r}", line)
            out[str(_scalar(p[:k], line))] = _scalar(p[k + 1:], line)
        return out
    if s[0] in "&*!":
        raise YamlError("anchors, aliases and tags are not supported", line)
    if s[0] in "|>":
        raise YamlError("block scalar in an unexpected place", line)
    return _resolve_plain(s)


class _Line:
    __slots__ = ("no", "raw", "indent", "text")

    def __init__(self, no, raw):
        self.no = no
        self.raw = raw
        stripped = raw.lstrip(" ")
        self.indent = len(raw) - len(stripped)
        self.text = _strip_comment(stripped)


class _Parser:
    def __init__(self, lines):
        self.lines = lines  # every raw line of one document (for block scalars)
        self.i = 0

    def _skip_blank(self):
        while self.i < len(self.lines) and not self.lines[self.i].text:
            self.i += 1

    def _peek(self):
        self._skip_blank()
        return self.lines[self.i] if self.i < len(self.lines) else None

    def parse(self):
        first = self._peek()
        if first is None:
            return None
        v = self._block(first.indent)
        rest = self._peek()
        if rest is not None:
            raise YamlError(f"unexpected content {rest.text!r}", rest.no)
        return v

    def _block(self, indent):
        ln = self._peek()
        if ln.text == "-" or ln.text.startswith("- "):
            return self._sequence(ln.indent)
        if _find_colon(ln.text) >= 0:
            return self._mapping(ln.indent)
        # A plain or quoted scalar, possibly over several lines (plain: folded with spaces).
        self.i += 1
        parts = [ln.text]
        while True:
            nxt = self._peek()
            if nxt is None or nxt.indent < indent or nxt.indent <= 0 and indent > 0:
                break
            if nxt.indent < indent or _find_colon(nxt.text) >= 0 or nxt.text.startswith("- "):
                break
            parts.append(nxt.text)
            self.i += 1
        return _scalar(" ".join(parts), ln.no)

    def _value_after(self, rest, indent, ln, in_mapping):
        """The value of a key or sequence entry whose inline part is rest."""
        if rest.startswith(("|", ">")) and re.match(r"^[|>][-+0-9]*$", rest):
            return self._block_scalar(rest, indent, ln)
        if rest:
            return _scalar(rest, ln.no)
        nxt = self._peek()
        if nxt is None:
            return None
        if nxt.indent > indent:
            return self._block(nxt.indent)
        if in_mapping and nxt.indent == indent and (nxt.text == "-" or nxt.text.startswith("- ")):
            return self._sequence(indent)
        return None

    def _mapping(self, indent):
        out = {}
        while True:
            ln = self._peek()
            if ln is None or ln.indent < indent:
                return out
            if ln.indent > indent:
                raise YamlError(f"bad indentation of {ln.text!r}", ln.no)
            k = _find_colon(ln.text)
            if k < 0:
                if ln.text == "-" or ln.text.startswith("- "):
                    return out  # a sequence at the parent key's indentation ends here
                raise YamlError(f"expected key: value, got {ln.text!r}", ln.no)
            key = _scalar(ln.text[:k], ln.no)
            key = "null" if key is None else (key if isinstance(key, str) else
                                              json.dumps(key) if not isinstance(key, bool)
                                              else ("true" if key else "false"))
            if key in out:
                raise YamlError(f"duplicate key {key!r}", ln.no)
            self.i += 1
            out[key] = self._value_after(ln.text[k + 1:].strip(), indent, ln, True)

    def _sequence(self, indent):
        out = []
        while True:
            ln = self._peek()
            if ln is None or ln.indent < indent:
                return out
            if ln.indent > indent or not (ln.text == "-" or ln.text.startswith("- ")):
                if ln.indent == indent:
                    return out
                raise YamlError(f"bad indentation of {ln.text!r}", ln.no)
            rest = ln.text[1:]
            inner = rest.lstrip(" ")
            if not inner:
                self.i += 1
                out.append(self._value_after("", indent, ln, False))
                continue
            if inner.startswith("- ") or inner == "-" or _find_colon(inner) >= 0:
                # A compact collection: reparse this line as if it started at the inner column.
                col = indent + 1 + (len(rest) - len(inner))
                sub = _Line(ln.no, " " * col + ln.raw[col:])
                self.lines[self.i] = sub
                out.append(self._block(col))
                continue
            self.i += 1
            out.append(self._value_after(inner, indent, ln, False))

    def _block_scalar(self, header, indent, ln):
        style, chomp = header[0], "clip"
        if "-" in header:
            chomp = "strip"
        elif "+" in header:
            chomp = "keep"
        digits = "".join(c for c in header if c.isdigit())
        body = []
        block_indent = indent + int(digits) if digits else None
        while self.i < len(self.lines):
            raw = self.lines[self.i].raw
            if raw.strip() == "":
                body.append("")
                self.i += 1
                continue
            ind = len(raw) - len(raw.lstrip(" "))
            if block_indent is None:
                if ind <= indent:
                    break
                block_indent = ind
            if ind < block_indent:
                break
            body.append(raw[block_indent:])
            self.i += 1
        # Trailing blank lines belong to chomping, not to the content.
        trailing = 0
        while body and body[-1] == "":
            body.pop()
            trailing += 1
        if style == "|":
            text = "\n".join(body)
        else:
            text, prev_blank = "", True
            for b in body:
                if b == "":
                    text += "\n"
                    prev_blank = True
                elif b.startswith((" ", "\t")):
                    text += ("\n" if text and not text.endswith("\n") else "") + b
                    prev_blank = True
                else:
                    text += ("" if prev_blank else " ") + b
                    prev_blank = False
        if not body:
            return "" if chomp != "keep" else "\n" * trailing
        if chomp == "strip":
            return text
        if chomp == "keep":
            return text + "\n" * (trailing + 1)
        return text + "\n"


def load_all(text):
    """Every document of text, in order (empty documents are skipped)."""
    docs, cur = [], []
    for no, raw in enumerate(text.replace("\t", "    ").splitlines(), 1):
        if raw.rstrip() == "---" or raw.startswith("--- "):
            docs.append(cur)
            cur = []
            continue
        if raw.rstrip() == "...":
            continue
        if raw.startswith("%"):
            continue
        cur.append(_Line(no, raw))
    docs.append(cur)
    out = []
    for lines in docs:
        v = _Parser(lines).parse()
        if v is not None:
            out.append(v)
    return out


def load(text):
    docs = load_all(text)
    if len(docs) > 1:
        raise YamlError("expected one document, found several")
    return docs[0] if docs else None


_PLAIN_OK = re.compile(r"^[A-Za-z0-9_./@%+=-][A-Za-z0-9_./@%+=:, -]*$")


def _quote(s):
    if s == "" or not _PLAIN_OK.match(s) or s != s.strip() or ": " in s or s.endswith(":") \
            or _resolve_plain(s) != s or s.startswith(("- ", "-")) and len(s) == 1:
        return json.dumps(s, ensure_ascii=False)
    return s


def _scalar_text(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    return _quote(str(v))


def _dump(v, indent, out):
    pad = " " * indent
    if isinstance(v, dict):
        for k, x in v.items():
            key = _quote(str(k))
            if isinstance(x, dict) and x:
                out.append(f"{pad}{key}:")
                _dump(x, indent + 2, out)
            elif isinstance(x, list) and x:
                out.append(f"{pad}{key}:")
                _dump(x, indent, out)  # sequences at the key's indentation, as kubectl writes
            elif isinstance(x, str) and "\n" in x:
                out.append(f"{pad}{key}: |" + ("" if x.endswith("\n") else "-"))
                for line in x.rstrip("\n").split("\n"):
                    out.append(f"{pad}  {line}" if line else "")
            else:
                out.append(f"{pad}{key}: {_empty_or_scalar(x)}")
    elif isinstance(v, list):
        for x in v:
            if isinstance(x, (dict, list)) and x:
                sub = []
                _dump(x, indent + 2, sub)
                sub[0] = f"{pad}- " + sub[0][indent + 2:]
                out.extend(sub)
            else:
                out.append(f"{pad}- {_empty_or_scalar(x)}")
    else:
        out.append(pad + _scalar_text(v))


def _empty_or_scalar(x):
    if isinstance(x, dict):
        return "{}"
    if isinstance(x, list):
        return "[]"
    return _scalar_text(x)


def dump(v):
    """v (JSON-compatible) as a block YAML document."""
    out = []
    if isinstance(v, (dict, list)) and not v:
        return _empty_or_scalar(v) + "\n"
    _dump(v, 0, out)
    return "\n".join(out) + "\n"
