"""A MIME message's structure from its bytes, fast: headers by the standard library, bodies
split at their boundaries with bytes.find.

Why: the standard library's feed parser looks at every line of every body for a boundary, so
a message carrying a 300 KB return costs tens of milliseconds, most of it in base64 lines;
an mbox of 10,000 returns took minutes. Here each entity's headers are parsed by
`email.parser.BytesParser` (compat32, so the same lenient rules and `defects`), and a
multipart body is cut at its delimiter lines, found with bytes.find. The result is an ordinary
`email.message.Message` tree: leaves keep their encoded payload (decoded on demand by
`get_payload(decode=True)`), a message/rfc822 part holds its message, as the feed parser
gives them. Nesting is bounded (MAX_NESTING), and parsing stops past MAX_PARTS entities.
"""

from __future__ import annotations

import email.errors
import email.message
import email.parser
import email.policy

from .model import MAX_PARTS

MAX_NESTING = 20  # multiparts and messages inside each other; a real message has 3 or 4
_HEADERS = email.parser.BytesParser(policy=email.policy.compat32)


def parse(raw: bytes) -> email.message.Message:
    """The message in `raw` as a Message tree."""
    return _Parser().entity(raw, 0)


def _split_head(raw: bytes) -> tuple[bytes, bytes]:
    """Headers and body, at the first blank line (LF or CRLF)."""
    lf, crlf = raw.find(b"\n\n"), raw.find(b"\r\n\r\n")
    if raw.startswith((b"\n", b"\r\n")):
        return b"", raw[2 if raw.startswith(b"\r\n") else 1:]
    cuts = [(i, n) for i, n in ((lf, 2), (crlf, 4)) if i >= 0]
    if not cuts:
        return raw, b""
    at, n = min(cuts)
    return raw[:at + n], raw[at + n:]


def split_multipart(body: bytes, boundary: bytes) -> tuple[list[bytes], bool]:
    """The parts between the delimiter lines of `boundary`, and whether the closing delimiter
    was found (RFC 2046 5.1.1: a delimiter is "--" boundary at the start of a line, the
    closing one has "--" after it; white space may follow). The line break before a
    delimiter belongs to it."""
    delim = b"--" + boundary
    parts: list[bytes] = []
    start: int | None = None
    i = body.find(delim)
    while i >= 0:
        after = i + len(delim)
        if i == 0 or body[i - 1] == 0x0A:
            closing = body[after:after + 2] == b"--"
            eol = body.find(b"\n", after)
            end_of_line = len(body) if eol < 0 else eol
            if not body[after + (2 if closing else 0):end_of_line].strip(b" \t\r"):
                if start is not None:
                    end = max(i - 1, start)
                    if end > start and body[end - 1] == 0x0D:
                        end -= 1
                    parts.append(body[start:end])
                if closing:
                    return parts, True
                start = end_of_line + 1
                if len(parts) > MAX_PARTS:
                    return parts, False
        i = body.find(delim, after)
    if start is not None:
        parts.append(body[start:])
    return parts, False


class _Parser:
    def __init__(self) -> None:
        self.count = 0

    def entity(self, raw: bytes, level: int) -> email.message.Message:
        self.count += 1
        head, body = _split_head(raw)
        m = _HEADERS.parsebytes(head, headersonly=True)
        if m.get_payload():  # a line that is not a header ended the headers early
            body = str(m.get_payload()).encode("ascii", "surrogateescape") + body
        ctype = m.get_content_type()
        deeper = level < MAX_NESTING and self.count <= MAX_PARTS
        if ctype == "message/rfc822" and deeper:
            m.set_payload([self.entity(body, level + 1)])
            return m
        if m.get_content_maintype() == "multipart" and deeper:
            boundary = m.get_boundary()
            if boundary:
                parts, closed = split_multipart(body, boundary.encode("ascii", "replace"))
                if parts:
                    if not closed:
                        m.defects.append(email.errors.CloseBoundaryNotFoundDefect())
                    m.set_payload([self.entity(p, level + 1) for p in parts
                                   if self.count <= MAX_PARTS])
                    return m
                m.defects.append(email.errors.StartBoundaryNotFoundDefect())
            else:
                m.defects.append(email.errors.NoBoundaryInMultipartDefect())
        m.set_payload(body.decode("ascii", "surrogateescape"))
        return m
