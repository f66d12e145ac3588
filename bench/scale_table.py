"""Part of bench_collate: one size's stages as a table, saved, and the sizes against each
other (issue 19).

Each stage's row: wall seconds, its ratio to the floor of the same files, wall milliseconds
per file (all cores together: seconds / files), and the peak resident memory of the whole
process tree (this process and every descendant, summed). Targets (issue 19):
  10,000   collate + export <= 1.5x the floor, peak < 1 GB; an unchanged re-run <= 5% of
           the first collate
  100,000  per-file cost of collate + export within 10% of 10,000's; that cost x 500,000
           (the extrapolation to every return of a national year) < 15 minutes
Each size's figures are kept in output/bench/scale-N.json, so a 100,000 run is compared with
the last 10,000 run when it is not in the same run (the table says which).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

FLOOR_TARGET = 1.5  # collate + export against the floor, at 10,000
MEMORY_TARGET_MB = 1024
RERUN_TARGET = 0.05  # of the first collate
SCALE_TARGET = 0.10  # per-file cost at 100,000 against 10,000
NATIONAL = 500_000
NATIONAL_TARGET_MIN = 15.0


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


@dataclass
class Stage:
    name: str
    seconds: float
    peak_mb: float | None  # None: derived, not run
    note: str = ""


@dataclass
class SizeResult:
    n: int
    stages: list[Stage] = field(default_factory=list)
    load_before: str = ""
    load_after: str = ""
    when: str = ""
    lean: bool = False

    def get(self, name: str) -> Stage | None:
        return next((s for s in self.stages if s.name == name), None)

    def per_file_ms(self, name: str) -> float | None:
        got = self.get(name)
        return None if got is None else got.seconds / self.n * 1000

    def save(self, folder: Path) -> None:
        self.when = dt.datetime.now(dt.UTC).isoformat(timespec="minutes")
        (folder / f"scale-{self.n}.json").write_text(json.dumps(asdict(self), indent=1))

    @classmethod
    def saved(cls, folder: Path, n: int) -> SizeResult | None:
        path = folder / f"scale-{n}.json"
        if not path.is_file():
            return None
        raw = json.loads(path.read_text())
        raw["stages"] = [Stage(**s) for s in raw["stages"]]
        return cls(**raw)


def print_header() -> None:
    print(f"   {'stage':<28}{'s':>9}{'x floor':>9}{'ms/file':>9}{'peak MB':>9}  notes",
          flush=True)


def print_row(res: SizeResult, s: Stage) -> None:
    """One stage's row, as soon as it is measured (a long run shows what it has so far)."""
    floor = res.get("floor")
    assert floor is not None, "the floor is measured first"
    mb = "" if s.peak_mb is None else f"{s.peak_mb:.0f}"
    print(f"   {s.name:<28}{s.seconds:>9.1f}{s.seconds / floor.seconds:>9.2f}"
          f"{s.seconds / res.n * 1000:>9.2f}{mb:>9}  {s.note}", flush=True)


def print_table(res: SizeResult) -> None:
    """Every row (see print_row), then the targets."""
    print_header()
    for s in res.stages:
        print_row(res, s)
    print_targets(res)


def print_targets(res: SizeResult) -> None:
    floor = res.get("floor")
    assert floor is not None
    both, first, again = res.get("collate + export"), res.get("collate"), res.get("re-run")
    if both and first and again:
        ratio, share = both.seconds / floor.seconds, again.seconds / first.seconds
        peak = both.peak_mb or 0.0
        print(f"   collate + export {ratio:.2f}x the floor (target <= {FLOOR_TARGET}x: "
              f"{_met(ratio <= FLOOR_TARGET)}), peak {peak:.0f} MB (target < "
              f"{MEMORY_TARGET_MB} MB: {_met(peak < MEMORY_TARGET_MB)}); re-run {share:.1%} of "
              f"the first collate (target <= {RERUN_TARGET:.0%}: {_met(share <= RERUN_TARGET)})")


def print_scale(big: SizeResult, small: SizeResult | None, same_run: bool) -> None:
    """The per-file cost of `big` against `small`'s, and the extrapolation to NATIONAL."""
    print(f"\n== scale: {big.n:,} returns" + (f" against {small.n:,}" if small else ""))
    if small is not None:
        how = "this run" if same_run else f"saved {small.when}, {small.load_before}"
        print(f"   {'ms per file':<28}{f'{small.n:,}':>10}{f'{big.n:,}':>10}{'change':>9}"
              f"   ({small.n:,}: {how})")
        for name in ("floor", "read", "collate", "store (collate - read)", "export",
                     "collate + export", "re-run"):
            a, b = small.per_file_ms(name), big.per_file_ms(name)
            if a is None or b is None:
                continue
            print(f"   {name:<28}{a:>10.2f}{b:>10.2f}{(b - a) / a:>+9.1%}")
        a, b = small.per_file_ms("collate + export"), big.per_file_ms("collate + export")
        if a and b:
            print(f"   collate + export per file within {SCALE_TARGET:.0%} of {small.n:,}'s: "
                  f"{_met(b <= a * (1 + SCALE_TARGET))} ({(b - a) / a:+.1%})")
    total = 0.0
    for name in ("collate", "export"):
        ms = big.per_file_ms(name)
        if ms is not None:
            total += ms
            print(f"   {name} at {big.n:,}'s per-file cost x {NATIONAL:,}: "
                  f"{ms * NATIONAL / 60_000:.1f} min")
    minutes = total * NATIONAL / 60_000
    print(f"   {NATIONAL:,} returns, collate + export: {minutes:.1f} min (target < "
          f"{NATIONAL_TARGET_MIN:.0f} min: {_met(minutes < NATIONAL_TARGET_MIN)})")


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"
