"""DOCX through python-docx: paragraphs and tables in order, heading styles kept as Markdown marks."""

from __future__ import annotations

import io
import re
import zipfile

from kb.errors import IngestError
from kb.models import RawDocument


def read_docx(data: bytes, source: str) -> RawDocument:
    """Read a Word document's body text; tables become one line per row."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError(source, f"unreadable DOCX: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # python-docx raises its own PackageNotFoundError and lxml errors
        raise IngestError(source, f"unreadable DOCX: {type(exc).__name__}: {exc}") from exc
    lines: list[str] = []
    title = (document.core_properties.title or "").strip() or None
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text.strip()
            if not text:
                continue
            style = (block.style.name if block.style is not None else "") or ""
            level = re.match(r"Heading (\d)", style)
            if style == "Title":
                title = title or text
                lines.append(f"# {text}")
            elif level:
                lines.append("#" * (int(level.group(1)) + 1) + " " + text)
            else:
                lines.append(text)
        elif isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = cell.text.strip()
                    if value and (not cells or cells[-1] != value):  # merged cells repeat
                        cells.append(value)
                if cells:
                    lines.append(" | ".join(cells))
    text = "\n\n".join(lines)
    if not text.strip():
        raise IngestError(source, "no text in DOCX")
    meta: list[tuple[str, str]] = []
    props = document.core_properties
    # python-docx's own template carries its authors' name and a 2013 date: those describe the template.
    template = "python-docx" in (props.author or "", props.last_modified_by or "")
    if props.author and not template:
        meta.append(("author", props.author))
    if props.created and not template:
        meta.append(("file_date", props.created.date().isoformat()))
    if title and not template:
        meta.append(("docx_title", title))
    return RawDocument(source=source, format="docx", pages=(text,), title=title, meta=tuple(meta))
