"""Test documents built in code: raw WordprocessingML and ODF zips, PDFs from HTML."""

from __future__ import annotations

import io
import zipfile
import zlib

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WORD_NAMESPACES = (
    f'xmlns:w="{W_NS}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
ODF_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"'
)
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def zip_of(members: dict[str, str | bytes]) -> bytes:
    """A zip archive holding the given members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def p(text: str = "", style: str | None = None, num: tuple[int, int] | None = None) -> str:
    """A w:p with one run of text, a style and Word numbering (numId, ilvl)."""
    props = ""
    if style:
        props += f'<w:pStyle w:val="{style}"/>'
    if num:
        props += f'<w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr>'
    ppr = f"<w:pPr>{props}</w:pPr>" if props else ""
    run = f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>' if text else ""
    return f"<w:p>{ppr}{run}</w:p>"


def docx(
    body: str,
    *,
    styles: str = "",
    numbering: str = "",
    footnotes: str = "",
    parts: dict[str, str] | None = None,
) -> bytes:
    """A DOCX from hand-written WordprocessingML: body, styles, numbering, notes, more parts."""
    members: dict[str, str | bytes] = {
        "[Content_Types].xml": CONTENT_TYPES,
        "word/document.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f"<w:document {WORD_NAMESPACES}><w:body>{body}</w:body></w:document>",
    }
    if styles:
        members["word/styles.xml"] = f"<w:styles {WORD_NAMESPACES}>{styles}</w:styles>"
    if numbering:
        members["word/numbering.xml"] = f"<w:numbering {WORD_NAMESPACES}>{numbering}</w:numbering>"
    if footnotes:
        members["word/footnotes.xml"] = f"<w:footnotes {WORD_NAMESPACES}>{footnotes}</w:footnotes>"
    for name, xml in (parts or {}).items():
        members[name] = xml
    return zip_of(members)


def heading_style(style_id: str, name: str, extra: str = "") -> str:
    """A paragraph style definition (w:style) with a name and optional pPr content."""
    return (
        f'<w:style w:type="paragraph" w:styleId="{style_id}"><w:name w:val="{name}"/>'
        f"<w:pPr>{extra}</w:pPr></w:style>"
    )


def abstract_num(abstract_id: int, levels: list[tuple[str, str, int]]) -> str:
    """A w:abstractNum whose levels are (numFmt, lvlText, start)."""
    body = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{text}"/></w:lvl>'
        for i, (fmt, text, start) in enumerate(levels)
    )
    return f'<w:abstractNum w:abstractNumId="{abstract_id}">{body}</w:abstractNum>'


def num(num_id: int, abstract_id: int, overrides: str = "") -> str:
    """A w:num instance of an abstract numbering, with optional w:lvlOverride content."""
    return f'<w:num w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>{overrides}</w:num>'


def odt(body: str, *, automatic_styles: str = "", styles: str = "") -> bytes:
    """An ODT from hand-written content.xml body (and styles.xml content)."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NAMESPACES} '
        f'office:version="1.2"><office:automatic-styles>{automatic_styles}'
        f"</office:automatic-styles><office:body><office:text>{body}</office:text>"
        "</office:body></office:document-content>"
    )
    style_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {ODF_NAMESPACES}>'
        f"{styles}</office:document-styles>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED
        )
        archive.writestr("content.xml", content)
        archive.writestr("styles.xml", style_xml)
    return buffer.getvalue()


def pdf(html: str) -> bytes:
    """A PDF rendered by weasyprint from HTML (fetching nothing)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=None).write_pdf()


def slow_pdf(operations: int) -> bytes:
    """A one-page PDF whose compressed content stream asks for ``operations`` text showings:
    a few kilobytes that take pypdf about 45 µs an operation to read (20,000: about 1 s)."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, EncodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
    content = EncodedStreamObject()
    content._data = zlib.compress(
        b"BT /F1 12 Tf 72 720 Td " + b"(Article sur les donnees) Tj " * operations + b"ET", 9
    )
    content[NameObject("/Filter")] = NameObject("/FlateDecode")
    page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
