"""Where a return came from: the message it arrived in and the way it was forwarded.

Why the message as it arrived (not the original author's): it is the one the user can find in
the mailbox by its Message-ID; who wrote it first is in the forwarding chain, earliest first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .model import Hop


@dataclass(frozen=True)
class Provenance:
    """One candidate return's provenance (stored with its file line)."""

    sender: str
    date: str
    subject: str
    message_id: str
    chain: tuple[Hop, ...]
    attachment: str
    mailbox: str

    def chain_text(self) -> str:
        """"A (date) → B (date)" when the return was forwarded, else ""."""
        if len(self.chain) < 2:
            return ""
        return " → ".join(h.text() for h in self.chain)

    def as_json(self) -> dict[str, Any]:
        return {"sender": self.sender, "date": self.date, "subject": self.subject,
                "message_id": self.message_id, "forwarded": self.chain_text(),
                "attachment": self.attachment, "mailbox": self.mailbox}

    def row(self) -> dict[str, Any]:
        """Columns of the store's `mail` table."""
        return {"sender": self.sender, "sent": self.date, "subject": self.subject,
                "message_id": self.message_id, "attachment": self.attachment,
                "mailbox": self.mailbox, "chain": self.chain_text(),
                "chain_json": json.dumps([h.__dict__ for h in self.chain], ensure_ascii=False)}
