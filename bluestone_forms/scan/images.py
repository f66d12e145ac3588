"""The pages of a scanned file as grey images (numpy uint8, 0 black .. 255 white).

PDFs are rendered with pdfium (it decodes the JBIG2, CCITT fax, JPEG and Flate images office
scanners write); PNG, JPEG and TIFF (every frame of a multi-page TIFF) are opened with Pillow.
Sizes are bounded before decoding, so a hostile file costs its own outcome only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageSequence

from ..errors import ReturnError

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
RENDER_DPI = 200  # scanned PDFs are rendered at this resolution
MAX_PIXELS = 120_000_000  # an A4 page at 1200 dpi is 140 M px; office scans are <= 600 dpi
MAX_PAGES = 500

Grey = npt.NDArray[np.uint8]


def is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def pages(path: Path, dpi: int = RENDER_DPI) -> Iterator[Grey]:
    """Every page of a scanned file, in file order."""
    if path.suffix.lower() == ".pdf":
        yield from _pdf_pages(path, dpi)
    else:
        yield from _image_pages(path)


def _pdf_pages(path: Path, dpi: int) -> Iterator[Grey]:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise ReturnError(str(path), f"the PDF cannot be opened as a scan ({exc})") from None
    try:
        if len(doc) > MAX_PAGES:
            raise ReturnError(str(path), f"the PDF has {len(doc)} pages; a scan file may have "
                                         f"at most {MAX_PAGES}")
        for page in doc:
            w, h = page.get_size()  # points
            scale = dpi / 72
            if w * h * scale * scale > MAX_PIXELS:
                scale = (MAX_PIXELS / (w * h)) ** 0.5
            bitmap = page.render(scale=scale, grayscale=True)
            yield np.array(bitmap.to_pil().convert("L"), dtype=np.uint8)
    finally:
        doc.close()


def _image_pages(path: Path) -> Iterator[Grey]:
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        img = Image.open(path)
    except (OSError, Image.DecompressionBombError, ValueError) as exc:
        raise ReturnError(str(path), f"the image cannot be opened ({exc})") from None
    with img:
        for n, frame in enumerate(ImageSequence.Iterator(img)):
            if n >= MAX_PAGES:
                raise ReturnError(str(path), f"the image has more than {MAX_PAGES} pages")
            if frame.width * frame.height > MAX_PIXELS:
                raise ReturnError(str(path), f"page {n + 1} is {frame.width}x{frame.height} "
                                             "pixels, more than a scan of A4 at 1200 dpi")
            yield np.array(frame.convert("L"), dtype=np.uint8)
