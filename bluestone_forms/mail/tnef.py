"""TNEF (winmail.dat): what Outlook sends when it wraps a message's attachments in its own
format. Read with tnefparse (LGPL, used as a library).

Why a pre-check: tnefparse copies the rest of the data for every object it reads, so a
winmail.dat made of very many tiny objects would take quadratic time; we walk the object
headers first (cheap) and refuse more than MAX_OBJECTS.
"""

from __future__ import annotations

import logging
import struct

from .model import MAX_PARTS, Part, clip

SIGNATURE = 0x223E9F78
MAX_OBJECTS = 5000


def _precheck(data: bytes) -> str:
    """Why the data is not a TNEF stream we will open, or ""."""
    if len(data) < 6 or struct.unpack_from("<I", data)[0] != SIGNATURE:
        return "not a TNEF stream (wrong signature)"
    pos, count = 6, 0
    while pos + 9 <= len(data):
        (length,) = struct.unpack_from("<I", data, pos + 5)
        pos += 11 + length
        count += 1
        if count > MAX_OBJECTS:
            return f"more than {MAX_OBJECTS} TNEF objects"
    return ""


def parts(data: bytes, name: str) -> list[Part]:
    """The attachments inside a winmail.dat as parts (each a candidate return)."""
    why = _precheck(data)
    if why:
        return [Part(name, "refused", why=f"a winmail.dat (TNEF) that cannot be opened: {why}")]
    from tnefparse.tnef import TNEF

    logging.getLogger("tnefparse").setLevel(logging.ERROR)  # it warns on every oddity
    try:
        doc = TNEF(data, do_checksum=False)
    except Exception as exc:  # a third-party parser of untrusted data: any failure is one line
        return [Part(name, "refused", why=f"a damaged winmail.dat (TNEF): {clip(str(exc), 200)}")]
    out: list[Part] = []
    if doc.body or doc.htmlbody or doc.has_body():
        out.append(Part("", "body"))
    atts = list(doc.attachments)
    if len(atts) > MAX_PARTS:
        return [Part(name, "refused", why=f"a winmail.dat with more than {MAX_PARTS} "
                                          "attachments")]
    for a in atts:
        try:
            long = a.long_filename()
        except (AttributeError, UnicodeError, ValueError):
            long = ""
        fname = long.decode("latin-1") if isinstance(long, bytes) else str(long or "")
        fname = clip(fname.strip("\x00").replace("\\", "/").rsplit("/", 1)[-1], 120)
        if getattr(a, "embed", None) is not None:
            out.append(Part(fname or "message", "refused",
                            why="a message embedded in a winmail.dat is not opened"))
            continue
        payload = a.data if isinstance(a.data, bytes) else b""
        out.append(Part(f"{name}!/{fname or 'attachment'}", "return", data=payload))
    return out
