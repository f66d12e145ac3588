"""The one value codec: a Python value <-> the text that stands in a cell, control or PDF field.

Every format writes answers with `encode` and reads them with `decode`; no format module parses
a date, a number or a choice label itself. `decode` also accepts the native values a
spreadsheet library hands back (int, float, datetime, bool), so a number Excel stored as a float
or a date it stored as a serial becomes the same value as the text would.

Each kind's codec is its entry in `kinds.KINDS` (the canonical values are listed there); this
module is how every format reaches it, by slot.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..spec.kinds import KINDS, to_json
from ..spec.kinds import Decoder as Decoder
from ..spec.kinds import rating_text as _rating_text
from ..spec.scalars import DATE_FORMAT_HINT as DATE_FORMAT_HINT
from ..spec.scalars import MAX_TEXT as MAX_TEXT
from ..spec.scalars import CodecError as CodecError
from ..spec.scalars import decode_flag, decode_text, finite
from .slots import Slot


def decode(slot: Slot, raw: Any) -> Any:
    """Raw content of a slot -> its canonical value; raise CodecError when it is not one.

    The slot's decoder is made on each call: a reader decodes through the decoders its
    `CompiledSpec` made once (`CompiledSpec.decode`)."""
    return decoder(slot)(raw)


def decoder(slot: Slot) -> Decoder:
    """`decode(slot, ·)` as one function, with what depends on the slot alone (its choice
    lookups, a rating's expected text) worked out once.

    Why: a reader decodes every slot of every return; a caller that keeps the decoders (see
    `compiled.CompiledSpec`) pays for the lookups once per form, not once per answer.
    """
    kind = KINDS.get(slot.kind)
    if kind is None:
        raise TypeError(f"unknown slot kind {slot.kind!r}")
    if kind.name == "flag":
        return decode_flag
    inner = kind.decoder(slot.options)
    if inner is decode_text:
        return _text_decoder

    def run(raw: Any) -> Any:
        if type(raw) is str:  # the usual case first
            return inner(raw) if raw.strip() else None
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if isinstance(raw, float | Decimal) and not finite(raw):
            raise CodecError("a finite number", raw)
        return inner(raw)

    return run


def _text_decoder(raw: Any) -> str | None:
    """`decode` of a text slot (what `decoder` runs, with a str, the usual case, first: text
    without a CR or vertical tab, within MAX_TEXT, is `decode_text`'s stripped text, worked
    out here without its three calls, since every text box of every return comes here)."""
    if type(raw) is str:
        if "\r" not in raw and "\u000b" not in raw:
            text = raw.strip()
            if len(text) <= MAX_TEXT:
                return text or None
        return decode_text(raw)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, float | Decimal) and not finite(raw):
        raise CodecError("a finite number", raw)
    return decode_text(raw)


def rating_text(slot: Slot, value: int) -> str:
    """How a rating is shown in a drop-down or cell: "3 – Good"."""
    return _rating_text(slot.options, value)


def encode(slot: Slot, value: Any) -> str:
    """A canonical value -> the text to put in the slot's control, cell or field."""
    if value is None:
        return ""
    kind = KINDS.get(slot.kind)
    if kind is None:
        raise TypeError(f"unknown slot kind {slot.kind!r}")
    try:
        return kind.encode(slot.options, value)
    except ValueError as exc:
        raise ValueError(f"{slot.key}: {exc}") from None


def choice_texts(slot: Slot) -> list[str]:
    """The texts a drop-down or list offers for a choice or rating slot, in order."""
    encode_one = KINDS[slot.kind].encode
    return [encode_one(slot.options, c.code) for c in slot.options]


def iso(value: Any) -> Any:
    """A canonical value as plain JSON data (dates ISO, decimals as text: each kind's
    `to_json`, found by the value's type)."""
    if isinstance(value, dict):
        return {k: iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [iso(v) for v in value]
    return to_json(value)


def json_default(value: Any) -> Any:
    """`json.dumps(values, default=json_default)`: what `iso` makes of a date, time or
    decimal, asked for by the encoder only for those (so the store's JSON of a record's
    values is that of `iso(values)`, without a walk of every value first)."""
    plain = to_json(value)
    if plain is value:
        raise TypeError(f"{type(value).__name__} is not a value a record holds")
    return plain
