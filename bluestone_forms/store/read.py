"""Reading a store back, for the exports: records, files, issues and the register.

Why a module of its own: these queries are the read side that every export shares, and the
same on both engines; `Store` (store.py) adds opening, versions and writing on top.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from . import schema as s

STANDING = ("current", "conflict", "superseded")
Row = dict[str, Any]


@dataclass(frozen=True)
class StoredRecord:
    form_id: str
    version: str
    instance_id: str
    row: int | None
    status: str
    values: dict[str, Any]
    file: str
    sha256: str
    read_at: str
    modified: str | None


class StoreReads:
    """The read side of an open store (its connection is `conn`)."""

    conn: Connection

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        if self.conn.in_transaction():
            yield self.conn
            return
        with self.conn.begin():
            yield self.conn

    def _rows(self, stmt: Any, params: dict[str, Any] | None = None) -> list[Row]:
        with self._reading() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt, params or {})]

    def _value(self, stmt: Any, params: dict[str, Any] | None = None) -> Any:
        with self._reading() as conn:
            return conn.execute(stmt, params or {}).scalar()

    # --- reading back, for exports --------------------------------------------------------
    def register_status(self) -> tuple[list[dict[str, Any]], list[StoredRecord]]:
        """Register rows with whether each came back, and returns that were never sent."""
        with self._reading() as conn:
            if conn.execute(select(s.register.c.instance_id).limit(1)).first() is None:
                return [], []  # nothing was mail-merged into this store
            back = {r.instance_id for r in self.records(STANDING)}
            sent = []
            forms = set()
            reg = s.register.c
            for row in conn.execute(select(reg.form_id, reg.instance_id, reg.sent_json)
                                    .order_by(reg.form_id, reg.file)):
                forms.add(row.form_id)
                sent.append({**json.loads(row.sent_json), "returned": row.instance_id in back})
            r, m = s.records.c, s.mail.c
            by_mail = {x[0]: (x[1], x[2]) for x in conn.execute(
                select(r.instance_id, m.sender, m.sent).join_from(
                    s.records, s.mail, m.file_id == r.file_id).where(r.status.in_(STANDING)))}
            if by_mail:  # returns that came by mail: who sent each back, and when
                for row_ in sent:
                    row_["returned_by"], row_["returned_on"] = by_mail.get(
                        row_["instance_id"], ("", ""))
            ids = {x["instance_id"] for x in sent}
            unexpected = [x for x in self.records(("current", "conflict"))
                          if x.form_id in forms and x.instance_id not in ids]
        return sent, unexpected

    def records(self, statuses: Sequence[str] = ("current",)) -> Iterator[StoredRecord]:
        r, f = s.records.c, s.files.c
        stmt = (select(r.form_id, r.version, r.instance_id, r.row, r.status, r.values_json,
                       r.modified, f.path, f.sha256, f.read_at)
                .join_from(s.records, s.files, r.file_id == f.id)
                .where(r.status.in_(tuple(statuses)))
                .order_by(r.form_id, r.instance_id, r.row.nulls_first(), f.path, r.id))
        with self._reading() as conn:
            for x in conn.execute(stmt):
                yield StoredRecord(
                    form_id=x.form_id, version=x.version, instance_id=x.instance_id,
                    row=x.row, status=x.status, values=json.loads(x.values_json), file=x.path,
                    sha256=x.sha256, read_at=x.read_at, modified=x.modified)

    def files(self) -> list[Row]:
        m, f = s.mail.c, s.files.c
        return self._rows(
            select(s.files, m.sender.label("mail_from"), m.sent.label("mail_sent"),
                   m.subject.label("mail_subject"), m.message_id.label("mail_message_id"),
                   m.chain.label("mail_forwarded"), m.attachment.label("mail_attachment"))
            .select_from(s.files.outerjoin(s.mail, m.file_id == f.id))
            .order_by(f.path, f.id))  # by path: the same listing whatever order files came

    def issues(self) -> list[Row]:
        i, f = s.issues.c, s.files.c
        return self._rows(
            select(s.issues, f.path, f.form_id, f.version)
            .join_from(s.issues, s.files, i.file_id == f.id)
            .where(f.outcome.not_in(("superseded", "duplicate")))
            .order_by(f.path, i.row.nulls_first(), i.id))  # as SQLite
