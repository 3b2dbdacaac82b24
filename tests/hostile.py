"""A corpus of hostile and broken inputs, made fresh by code: what partners really send, and worse.

    python -m tests.hostile OUT_DIR [--big-mb 50]

make_corpus() returns which files must be indexed and which must be skipped; tests/test_reliability.py
checks `kb ingest` against that, and scripts/bench_hostile.py measures its memory.
"""

from __future__ import annotations

import argparse
import io
import json
import os
from pathlib import Path

GOOD_TEXT = ("Village savings groups in {place} let {who} save small sums every week and borrow from the "
             "pool to start a business. After two years members reported higher incomes and more meals a day.")


def _pdf_with_text(lines: list[str]) -> bytes:
    """A minimal one-page PDF with a real text layer (Helvetica), written by hand: no PDF library needed."""
    body = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(
        "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '" for line in lines) + " ET"
    return pdf_of_content(body)


def pdf_of_content(body: str) -> bytes:
    """A one-page PDF whose page draws the given content stream in Helvetica (font /F1)."""
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(body)} >>\nstream\n{body}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{n} 0 obj\n{obj}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def _blank_pdf(pages: int, password: str | None = None) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _encrypted_pdf_with_text() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf_with_text([GOOD_TEXT.format(place="Peru", who="women")]))))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _docx(paragraphs: list[str]) -> bytes:
    from docx import Document

    doc = Document()
    doc.add_heading("Savings groups in Malawi", level=1)
    for p in paragraphs:
        doc.add_paragraph(p)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def make_corpus(root: Path, big_mb: int = 50) -> tuple[set[str], set[str]]:
    """Write the hostile corpus under root; return (sources that must be indexed, sources that must be skipped)."""
    root.mkdir(parents=True, exist_ok=True)
    good: dict[str, bytes] = {
        "good/plain.txt": ("Savings groups in Kenya\n\n" + GOOD_TEXT.format(place="Kenya", who="women")).encode(),
        "good/notes.md": ("# Cash transfers in Brazil\n\n" + GOOD_TEXT.format(place="Brazil", who="mothers")).encode(),
        "good/text layer.pdf": _pdf_with_text(["Microcredit in Bangladesh", GOOD_TEXT.format(place="Bangladesh",
                                                                                              who="farmers")]),
        "good/report.docx": _docx([GOOD_TEXT.format(place="Malawi", who="households")]),
        # A page whose markup is mostly one enormous line of script: the text is small, the file is not.
        "good/huge script line.html": (
            "<html><head><title>Rural tourism in Nepal</title><script>var blob='" + "x" * (big_mb * 1024 * 1024)
            + "';</script></head><body><h1>Rural tourism in Nepal</h1><p>"
            + GOOD_TEXT.format(place="Nepal", who="homestay hosts")
            + "<script>document.write('<p>Sky bet now</p>')</script></p></body></html>").encode(),
        # Same content, encoded without a byte-order mark.
        "good/utf16 no bom.txt": ("Savings groups in Ghana\n\n" + GOOD_TEXT.format(place="Ghana", who="traders")
                                  ).encode("utf-16-le"),
        "good/gb18030.txt": ("贵州省的易地扶贫搬迁\n\n贵州省把生活在深山区的贫困户搬迁到县城附近的安置点，"
                             "并为他们提供就业培训和小额信贷，帮助他们在新的社区稳定下来，逐步增加收入。").encode("gb18030"),
        "good/ragged.csv": ("title,country,summary\nWomen's savings,Kenya,"
                            + GOOD_TEXT.format(place="Kenya", who="women") + "\nShort row\n"
                            "Extra cells,Peru,Farmers' cooperatives sell coffee together to get better prices.,x,y\n"
                            ).encode(),
        "good/semicolons.csv": ("title;country;summary\nMobile money;Tanzania;"
                                + GOOD_TEXT.format(place="Tanzania", who="traders").replace(",", " ") + "\n").encode(),
        "good/name with 'quotes' and \"double\".txt": ("Quoted names\n\n" + GOOD_TEXT.format(
            place="Chile", who="fishers")).encode(),
        "good/informe de políticas – año 2020.txt": ("Programa de ahorro en Bolivia\n\nLos grupos de ahorro de "
                                                     "Bolivia permiten a las mujeres ahorrar cada semana y pedir "
                                                     "préstamos para empezar un negocio.").encode(),
    }
    bad: dict[str, bytes] = {
        "bad/empty.txt": b"",
        "bad/binary.txt": os.urandom(4096),
        "bad/binary.pdf": os.urandom(4096),
        "bad/truncated.pdf": _pdf_with_text(["Cut short", GOOD_TEXT.format(place="Peru", who="women")])[:200],
        "bad/encrypted.pdf": _encrypted_pdf_with_text(),
        "bad/scanned no text.pdf": _blank_pdf(3),
        "bad/thousands of empty pages.pdf": _blank_pdf(5000),
        "bad/deeply nested.json": b"[" * 200_000 + b"]" * 200_000,
        "bad/not json.json": b'{"title": "unterminated',
    }
    for rel, data in {**good, **bad}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    loop = root / "bad" / "loop"
    loop.mkdir(exist_ok=True)
    (loop / "again").symlink_to("..", target_is_directory=True)  # bad/loop/again -> bad/: a cycle
    (root / "bad" / "self link.txt").symlink_to("self link.txt")  # a file link pointing at itself
    return set(good), set(bad) | {"bad/loop/again", "bad/self link.txt"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--big-mb", type=int, default=50)
    args = parser.parse_args()
    good, bad = make_corpus(Path(args.out), args.big_mb)
    print(json.dumps({"good": sorted(good), "bad": sorted(bad)}, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
