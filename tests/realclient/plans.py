"""What a person types into each answer box, by which route, and what must read back.

A route is how the answer gets in: "type" (key presses), "enter" (a paragraph break, Enter),
"shift_enter" (a line break, Shift+Enter), "paste" (Edit > Paste of text put on the
clipboard, over the selected placeholder), "type_paste" (a few letters typed, the rest
pasted) or "click" (a tick box). Routes rotate over the boxes of each kind, so every kind
of control gets every route that makes sense for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bluestone_forms.answers import values as codec
from bluestone_forms.answers.slots import Slot, slots
from bluestone_forms.spec.model import FormSpec, IntegerField

Step = list[str]


@dataclass(frozen=True)
class Typed:
    """One answer box: the keys and pastes that fill it and the value it must read back as."""

    slot: Slot
    route: str
    steps: tuple[Step, ...]
    expected: Any


_SHORT = (("type", "Llŷr Ó Briain-Smith, DC 4411"),
          ("shift_enter", ("Alice Jones", "Bob Smith")),
          ("paste", "Pasted ref 47/2026 – see log"))
_LONG = (("enter", ("First paragraph of the notes.", "Second paragraph, after Enter.")),
         ("shift_enter", ("One line", "then a line break")),
         ("paste", "Pasted from an email: victim’s account reviewed"),
         ("type_paste", "Typed, then the rest pasted from the case file"))
_DATES = (dt.date(2026, 12, 5), dt.date(2026, 1, 31), dt.date(2027, 3, 2))
# a time as people type it: the hour without its leading zero, too
_TIMES = (("9:05", dt.time(9, 5)), ("14:30", dt.time(14, 30)), ("00:00", dt.time(0, 0)))


def _text_steps(route: str, what: Any) -> tuple[tuple[Step, ...], str]:
    if route == "type":
        return (["type", what],), what
    if route == "paste":
        # over the selected placeholder: LibreOffice 7.4 puts it just before the control,
        # outside (docs/VERIFIED.md), and the reader must still find it
        return (["paste", what],), what
    if route == "type_paste":  # a few letters typed, the rest pasted: lands inside
        return (["type", what[:4]], ["paste", what[4:]]), what
    first, second = what
    key = "RETURN" if route == "enter" else "SHIFT+RETURN"
    return (["type", first], ["key", key], ["type", second]), f"{first}\n{second}"


def plan(spec: FormSpec) -> list[Typed]:
    """Every answer box of the spec with what is typed into it."""
    out: list[Typed] = []
    counts: dict[str, int] = {}
    for s in slots(spec):
        n = counts[s.kind] = counts.get(s.kind, -1) + 1
        if s.kind == "flag":
            tick = n % 2 == 0
            out.append(Typed(s, "click", (["toggle"],) if tick else (), tick))
        elif s.kind in ("text", "long_text"):
            routes = _SHORT if s.kind == "text" else _LONG
            route, what = routes[n % len(routes)]
            steps, text = _text_steps(route, what)
            limit = getattr(s.spec_field, "max_length", None)
            if limit is not None and len(text) > limit:
                text = text[:limit]
                steps = (["type", text],)
                route = "type"
            out.append(Typed(s, route, steps, text))
        elif s.kind in ("integer", "decimal"):
            f = s.spec_field
            low = getattr(f, "min", None)
            number = int(low) + 1 if low is not None else 7 + n
            text = str(number) if isinstance(f, IntegerField) or s.kind == "integer" else (
                f"{number}.25")
            route = "paste" if n % 3 == 2 else "type"
            out.append(Typed(s, route, ([route, text],), codec.decode(s, text)))
        elif s.kind == "date":
            d = _DATES[n % len(_DATES)]
            text = f"{d.day:02d}/{d.month:02d}/{d.year}"
            out.append(Typed(s, "type", (["type", text],), d))
        elif s.kind == "time":
            text, when = _TIMES[n % len(_TIMES)]
            out.append(Typed(s, "type", (["type", text],), when))
        elif s.kind in ("choice", "rating"):
            items = codec.choice_texts(s)
            text = items[n % len(items)]
            out.append(Typed(s, "type", (["type", text],), codec.decode(s, text)))
        else:  # pragma: no cover - a new slot kind must get a plan here
            raise AssertionError(f"no typing plan for slot kind {s.kind}")
    return out
