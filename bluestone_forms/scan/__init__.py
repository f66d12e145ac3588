"""Paper returns read back from scans: QR code, corner marks, ticks and a review queue.

    layout_map   where every tick box and writing place is on each page of a spec's paper form
    images       the pages of a scanned file (PDF via pdfium, PNG/JPEG/TIFF via Pillow)
    register     the page's QR code read and its corner marks found: image <-> form mm
    decide       each tick box decided from its ink: empty, ticked, or for review
    pages        one scanned page read: identified, straightened, boxes decided, crops
    returns      pages grouped into a return; its record and its items to review
    batch        many scanned files read (in worker processes), one result per file
    dispatch     the door from `collate` and `read`: which files are scans
    review       the review workbook: written for a person, read back when filled
    synthetic    the synthetic-scan harness: marks drawn in code, pages distorted

Where the corner marks and the QR code are printed, and the QR payload, is
`formats.paper_geometry` (the print side owns it). This package imports nothing from the
collation; `collate` dispatches scanned files here (`dispatch`).
"""
