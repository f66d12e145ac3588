"""Returns straight from a mailbox: .eml files, mbox files and Outlook .msg files.

`kind` tells whether a file is mail; `expand` writes the attachments that could be returns to
the collation's scratch folder (each with its provenance) and makes one outcome line per
message. The limits (message size, header size, parts per message, nesting depth) are in
`model.py`.
"""

from __future__ import annotations

from .ingest import add_provenance, ingest_lines
from .model import MAX_DEPTH, MAX_HEADER_BYTES, MAX_MESSAGE_BYTES, MAX_PARTS
from .provenance import Provenance
from .walk import Candidate, Found, MessageLine, expand, kind

__all__ = ["MAX_DEPTH", "MAX_HEADER_BYTES", "MAX_MESSAGE_BYTES", "MAX_PARTS", "Candidate",
           "Found", "MessageLine", "Provenance", "add_provenance", "expand", "ingest_lines",
           "kind"]
