"""Finding the returns under the paths given: folders walked without following links out,
zip archives checked before anything is inflated and unpacked to scratch, mail files taken
apart into their attachments. Each path found becomes a source to read or a rejection."""

from __future__ import annotations

import os
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

from .. import mail
from ..errors import BluestoneError
from ..formats import zip_directory
from .workers import Source

MAX_ARCHIVE_MEMBERS = 5000
MAX_MEMBER_BYTES = 100 * 1024 * 1024
MAX_ARCHIVE_BYTES = 2 * 1024 * 1024 * 1024
MAX_MEMBER_RATIO = 100  # returns are compressed already; 100:1 is a bomb (Apache POI's cap)
RATIO_GRACE = 1024 * 1024


def find_sources(
    paths: Iterable[Path], scratch: Path, mailbox: mail.Found | None = None
) -> tuple[list[Source], list[tuple[str, str]]]:
    """Every path under the paths, in a stable order.

    Returns the sources to read and the paths that get a rejection without being read (name,
    why): archives that cannot be opened, links to nothing or to outside the folders given,
    and what is not a regular file (a FIFO, a socket, a device). Each path found gets exactly
    one of the two. Nothing that is not a regular file is opened (a FIFO would block). Zip
    members and mail attachments are extracted to scratch; mail files' message lines and the
    provenance of their attachments go into `mailbox`.
    """
    box = mailbox if mailbox is not None else mail.Found()
    found: list[Source] = []
    bad: list[tuple[str, str]] = []
    given = list(paths)
    roots = [os.path.realpath(p) for p in given if p.is_dir()]
    files: list[Path] = []
    for p in given:
        if p.is_dir():
            _walk(p, roots, files, bad)
        elif os.path.lexists(p):
            why = not_readable(p, roots, top=True)
            if why is None:
                files.append(p)
            else:
                bad.append((str(p), why))
        else:
            bad.append((str(p), "no such file or folder"))
    for f in files:
        if f.suffix.lower() == ".zip":
            try:
                found.extend(_extract(f, scratch))
            except BluestoneError as exc:
                bad.append((str(f), str(exc)))
        elif mail.kind(f):
            _expand_mail(f, scratch, box, found, bad)
        else:
            found.append(Source(str(f), f))
    return sorted(found, key=lambda s: s.name), sorted(bad)


_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISDIR, "a folder"))


def _walk(folder: Path, roots: list[str], files: list[Path],
          bad: list[tuple[str, str]]) -> None:
    """Every path under `folder`, links never followed into folders (no loops, no escape)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        bad.append((str(folder), f"the folder cannot be listed ({exc.strerror or exc})"))
        return
    for e in entries:
        path = Path(e.path)
        try:
            if e.is_dir(follow_symlinks=False):
                _walk(path, roots, files, bad)
                continue
        except OSError:
            pass
        why = not_readable(path, roots)
        if why is None:
            files.append(path)
        else:
            bad.append((str(path), why))


def not_readable(path: Path, roots: list[str], top: bool = False) -> str | None:
    """Why a path found is not read as a return, or None for a regular file to read.

    A link is followed only to a regular file inside the folders given (`top`: a path given
    by itself is the user's own choice and is followed wherever it leads)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        return f"cannot be looked at ({exc.strerror or exc})"
    if stat.S_ISLNK(mode):
        target = Path(os.path.realpath(path))
        if not target.exists():
            return (f"not a regular file: a link to {path.readlink()}, which does not "
                    "exist (a dangling link)")
        inside = any(target == Path(r) or Path(r) in target.parents for r in roots)
        if not top and not inside:
            return (f"a link to {target}, outside the folders given; it is not followed "
                    "(copy the file itself into the folder to collate it)")
        if target.is_dir():
            return "a link to a folder; it is not followed (collate the folder itself)"
        try:
            mode = target.stat().st_mode
        except OSError as exc:
            return f"cannot be looked at ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return None
    kind = next((what for test, what in _KINDS if test(mode)), "not a file")
    return f"not a regular file ({kind}); it was not opened"


def _expand_mail(f: Path, scratch: Path, box: mail.Found, found: list[Source],
                 bad: list[tuple[str, str]]) -> None:
    """A mail file's attachments as sources (an attached zip unpacked like any archive)."""
    before = len(box.candidates)
    try:
        mail.expand(f, scratch, box)
    except OSError as exc:
        bad.append((str(f), f"cannot read the mail file ({exc.strerror or exc})"))
        return
    for c in box.candidates[before:]:
        box.provenance[c.name] = c.provenance
        if c.disk.suffix != ".zip":
            found.append(Source(c.name, c.disk))
            continue
        try:
            members = _extract(c.disk, scratch, c.name)
        except BluestoneError as exc:
            bad.append((c.name, str(exc)))
            continue
        for m in members:
            box.provenance[m.name] = c.provenance
        found.extend(members)


def _extract(archive: Path, scratch: Path, shown: str | None = None) -> list[Source]:
    # zipfile builds every directory entry before anything can count them: count first
    declared = zip_directory(archive)
    if declared is not None and (declared[0] > MAX_ARCHIVE_MEMBERS
                                 or declared[1] > MAX_ARCHIVE_MEMBERS * 1024):
        raise BluestoneError(f"the archive has more than {MAX_ARCHIVE_MEMBERS} files")
    try:
        z = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise BluestoneError(f"the archive is damaged ({exc})") from None
    out: list[Source] = []
    with z:
        infos = [i for i in z.infolist() if not i.is_dir()]
        if len(infos) > MAX_ARCHIVE_MEMBERS:
            raise BluestoneError(f"the archive has more than {MAX_ARCHIVE_MEMBERS} files")
        target = Path(tempfile.mkdtemp(dir=scratch))
        total = 0
        for n, info in enumerate(infos):
            name = f"{shown or archive}!/{info.filename}"
            disk = target / f"{n:05d}{Path(info.filename).suffix.lower()[:8]}"
            why = _copy_member(z, info, disk, total)
            if isinstance(why, int):
                total = why
                out.append(Source(name, disk))
                continue
            disk.unlink(missing_ok=True)
            if why == "too-large":
                out.append(Source(name, _placeholder(disk, ".too-large")))
            else:
                out.append(Source(name + f" [damaged: {why}]", _placeholder(disk, ".damaged")))
    return out


def _placeholder(disk: Path, suffix: str) -> Path:
    """An empty file standing for a member that could not be unpacked (its line says why)."""
    path = disk.with_suffix(suffix)
    path.write_bytes(b"")
    return path


def _copy_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, disk: Path, total: int) -> int | str:
    """Inflate one archive member to disk, counting what actually inflates (never the header).

    Returns the archive's new running total, "too-large", or why the member is damaged. A
    failure to write (a full disk) is the collation's problem, not the member's: it raises.
    """
    got = 0
    try:
        dst = disk.open("wb")
    except OSError as exc:
        raise _unpack_failed(info, exc) from None
    with dst:
        try:
            src = z.open(info)
        except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, RuntimeError,
                OSError) as exc:
            return str(exc)
        with src:
            while True:
                try:
                    chunk = src.read(1 << 16)
                except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError,
                        RuntimeError, OSError, zlib.error) as exc:
                    return str(exc)
                if not chunk:
                    return total + got
                got += len(chunk)
                if (got > MAX_MEMBER_BYTES or total + got > MAX_ARCHIVE_BYTES
                        or (got > RATIO_GRACE and got > MAX_MEMBER_RATIO * info.compress_size)):
                    return "too-large"
                try:
                    dst.write(chunk)
                except OSError as exc:
                    raise _unpack_failed(info, exc) from None


def _unpack_failed(info: zipfile.ZipInfo, exc: OSError) -> BluestoneError:
    return BluestoneError(f"cannot unpack {info.filename} into the temporary folder "
                          f"({exc.strerror or exc}); free some disk space and run again")
