"""Paper returns read back from scans (issue 18).

    geometry     where the corner marks and the page's QR code are printed; the QR payload
    layout_map   where every tick box and writing place is on each page of a spec's paper form
    images       the pages of a scanned file (PDF via pdfium, PNG/JPEG/TIFF via Pillow)
    register     the page's QR code read and its corner marks found: image <-> form mm
    decide       each tick box decided from its ink: empty, ticked, or for review
    reader       a batch of scanned files -> returns grouped by QR, records, review items
    review       the review workbook: written for a person, read back when filled
    synthetic    the synthetic-scan harness: marks drawn in code, pages distorted

This package imports nothing from the collation; `collate` dispatches scanned files here.
"""
