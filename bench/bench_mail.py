"""Collating returns from an mbox against collating the same returns from a folder.

    python bench/bench_mail.py            # 10,000 messages, one return each
    python bench/bench_mail.py --n 1000   # a quicker look

Returns are made as bench_collate.py makes them (filling generated templates, mixed forms and
formats); each is then sent as the one attachment of a message written to an mbox with the
standard library's `mailbox`. Each collation runs in a fresh process (so peak memory is its
own): the folder of returns, then the mbox. Printed: wall time, returns per second, peak
resident memory of the collating process and of its reader processes, and the ratios.
"""

from __future__ import annotations

import argparse
import json
import mailbox
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_returns import make_returns

from bluestone_forms.collate.run import collate


def write_mbox(returns: Path, path: Path) -> float:
    """One message per return, its file attached; returns seconds taken."""
    start = time.perf_counter()
    box = mailbox.mbox(path, create=True)
    for i, f in enumerate(sorted(p for p in returns.rglob("*") if p.is_file())):
        m = EmailMessage()
        m["From"] = f"Officer {i} <officer{i}@force{i % 7}.police.uk>"
        m["To"] = "Bluestone lead <bluestone@force.police.uk>"
        m["Subject"] = f"Return {f.stem}"
        m["Date"] = "Mon, 02 Nov 2026 10:00:00 +0000"
        m["Message-ID"] = f"<return-{i}@force{i % 7}.police.uk>"
        m.set_content("Please find my return attached.\n\nThis email is OFFICIAL-SENSITIVE.")
        m.add_attachment(f.read_bytes(), maintype="application", subtype="octet-stream",
                         filename=f.name)
        box.add(m)
    box.flush()
    box.close()
    return time.perf_counter() - start


def one(source: str, store: str) -> None:
    """Run in a fresh process: collate `source` and print the figures as JSON."""
    start = time.perf_counter()
    summary = collate([Path(source)], Path(store))
    took = time.perf_counter() - start
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": took, "peak_mb": me, "reader_peak_mb": kids,
                      "records": summary.records, "line": summary.line()}))


def measure(source: Path, store: Path) -> dict[str, float | str]:
    out = subprocess.run([sys.executable, __file__, "--one", str(source), str(store)],
                         check=True, capture_output=True, text=True)
    result: dict[str, float | str] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--one", nargs=2, metavar=("SOURCE", "STORE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(*args.one)
        return
    work = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    try:
        made = make_returns(work, args.n)[1]
        print(f"made {args.n} returns (masters filled, then copied: bench_returns.py) "
              f"in {made:.1f} s")
        box = work / "Inbox.mbox"
        wrote = write_mbox(work / "returns", box)
        print(f"wrote an mbox of {args.n} messages ({box.stat().st_size / 2**20:.0f} MB) "
              f"in {wrote:.1f} s")
        runs = {}
        for label, source in (("folder", work / "returns"), ("mbox", box)):
            r = measure(source, work / f"store-{label}" / "bluestone.sqlite")
            runs[label] = r
            secs = float(r["seconds"])
            print(f"{label:>6}: {secs:7.1f} s, {args.n / secs:6.0f} returns/s, peak memory "
                  f"{float(r['peak_mb']):5.0f} MB (collating process), "
                  f"{float(r['reader_peak_mb']):5.0f} MB (largest reader); {r['line']}")
        f, m = runs["folder"], runs["mbox"]
        assert f["records"] == m["records"] == args.n, "every return must be read from both"
        print(f"mbox / folder: time {float(m['seconds']) / float(f['seconds']):.2f}x, "
              f"peak memory {float(m['peak_mb']) / float(f['peak_mb']):.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
