"""Office Open XML, raw, in one place: packages, relationships, WordprocessingML,
SpreadsheetML parts, cell references and safe cell values."""

from lxml import etree


def prepare_thread() -> None:
    """Have libxml2 set up its state for the calling thread now, while memory is plentiful.

    libxml2 keeps its globals per thread and allocates them at a thread's first use. A reader
    process forked from a thread other than the main one (collation's read-ahead thread) runs
    on such a thread; left alone, it would first allocate them in the middle of a read, perhaps
    with memory already at the process's cap, and libxml2 then aborts the whole process
    ("Failed to allocate globals for thread") instead of failing the one parse with a
    MemoryError that says the file is too large."""
    etree.fromstring(b"<ready/>")
