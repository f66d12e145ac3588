"""Cut the passages of the Bluestone source documents that the tests check into the repository.

Why: the seed-fidelity tests compare the shipped specs and the guide with the source documents'
own words. The documents live beside the repository only on the project's own machines, so those
tests used to skip in every other clone. This script copies, unchanged, just the passages the
tests read (with each document's title, authors and date in a header) into `tests/data/seeds/`,
so the tests run everywhere. Run it again only if a source document changes:

    python scripts/seed_excerpts.py [SEEDS_DIR]   # default: ../shared/seeds beside the repo
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "tests" / "data" / "seeds"

# file name -> (title, authors, date, [(first line starting with, last line starting with)])
# A range of None keeps the whole document (the two short ones).
DOCUMENTS: dict[str, tuple[str, str, str, list[tuple[str, str]] | None]] = {
    "000_01d2359642822016.txt": (
        "A new way of thinking about case review and learning",
        "Dr Emma Williams, Dr Nicky Miller, Jenny Norman, Dr Rachel Ward, Richard Harding",
        "April 2021",
        None,
    ),
    "001_b6a91323581473fa.txt": (
        "Operation Soteria Bluestone: Reflections on a deep dive into RASSO investigators' "
        "wellbeing (presentation to St Mary's SARC Conference)",
        "Dr Rachel Ward, Dr Linda Maguire (Open University, Centre for Policing Research and "
        "Learning)",
        "April 2022",
        None,
    ),
    "002_b338d24a54f88198.txt": (
        "RASSO Learning and Development Guidance (CC BY-NC-SA 4.0)",
        "Dr Emma Williams, Richard Harding, Dr Nicky Miller, Dr Rachel Ward, Jennifer Norman",
        "March 2021",
        [("## RASSO Learning", "**Licensing"), ("Essential Criteria", "References")],
    ),
    "003_0ec02a872f312fb8.txt": (
        "Reflective Practice Points and Case Reviews in RASSO investigations (Operation Soteria "
        "Bluestone paper)",
        "Operation Soteria Bluestone, Pillar 4 research team",
        "2022",
        [("RPP 1:", "The CR process required")],
    ),
    "004_d7cbbe768a47cfa0.txt": (
        "Quality of reviews of serious cases",
        "Dr. Debra Allnock, Vulnerability Knowledge and Practice Programme (VKPP)",
        "undated briefing",
        [("Limitations of statutory reviews", "Future steps: Quality rating system")],
    ),
}
RULE = "=" * 72


def excerpt(text: str, ranges: list[tuple[str, str]] | None) -> str:
    """The lines from each range's first marker to its last marker, both kept."""
    if ranges is None:
        return text
    lines = text.splitlines()
    parts: list[str] = []
    for first, last in ranges:
        start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith(first))
        end = next(i for i in range(start, len(lines)) if lines[i].lstrip().startswith(last))
        parts.append("\n".join(lines[start : end + 1]))
    return "\n\n[…]\n\n".join(parts) + "\n"


def main(seeds: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (title, authors, date, ranges) in DOCUMENTS.items():
        text = (seeds / name).read_text(encoding="utf-8")
        header = (
            f"Source: {title}\nAuthors: {authors}\nDate: {date}\n"
            f"Passages the tests check, copied unchanged"
            f"{'' if ranges is None else ' ([…] marks text left out)'}.\n{RULE}\n"
        )
        (OUT / name).write_text(header + excerpt(text, ranges), encoding="utf-8")
        print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared" / "seeds")
