"""Bytes to text, once for everyone: the charset a body is in, and the one decoding step every
text parser reads through (`decode_text`, or `text_stream` for a row-by-row CSV reader).

A byte-order mark wins over any declared charset and is dropped (the WHATWG encoding standard's
rule): servers label a BOM-prefixed UTF-8 CSV ``charset=utf-8``, and decoding that as plain UTF-8
leaves U+FEFF glued to the first column name (``'\\ufeffdate'``), which then "is missing".
"""

from __future__ import annotations

import codecs
import io
import logging
import re

log = logging.getLogger(__name__)

#: longest first: the UTF-32-LE mark begins with the UTF-16-LE one
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_TEXTUAL = ("text/", "application/json", "application/xml", "application/xhtml+xml",
            "application/csv", "application/yaml", "application/x-yaml")


def sniff_bom(body: bytes) -> tuple[str | None, int]:
    """(codec, bytes to skip) for a body starting with byte-order mark(s); (None, 0) without one.

    A mark repeated (a file saved twice by a BOM-writing editor) is skipped as a whole.
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            skip = len(bom)
            while body.startswith(bom, skip):
                skip += len(bom)
            return codec, skip
    return None, 0


def usable_codec(name: str | None) -> str:
    if not name:
        return "utf-8"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


def detect_encoding(body: bytes, content_type: str | None) -> str:
    """A BOM, else the charset of the Content-Type header, else ``<meta charset>`` / the XML
    declaration, else UTF-8."""
    codec, _ = sniff_bom(body)
    if codec == "utf-8":
        return "utf-8-sig"
    if codec is not None:
        return codec.removesuffix("-le").removesuffix("-be")  # utf-16 / utf-32 read their own mark
    if content_type:
        match = re.search(r"charset\s*=\s*[\"']?([^;\"'\s]+)", content_type, re.I)
        if match:
            try:
                return codecs.lookup(match.group(1)).name
            except LookupError:
                log.warning("unknown charset %r in Content-Type; falling back", match.group(1))
    head = body[:4096]
    for pattern in (_META_CHARSET, _XML_ENCODING):
        match = pattern.search(head)
        if match:
            try:
                return codecs.lookup(match.group(1).decode("ascii")).name
            except (LookupError, UnicodeDecodeError):
                pass
    return "utf-8"


def _codec_and_start(body: bytes, encoding: str | None) -> tuple[str, int]:
    codec, skip = sniff_bom(body)
    if codec is not None:
        return codec, skip
    return usable_codec(encoding or detect_encoding(body, None)), 0


def decode_text(body: bytes, encoding: str | None = None, errors: str = "replace") -> str:
    """The body as text: a BOM's codec (the mark dropped), else `encoding` (what the fetch
    detected; `ParseContext.encoding`), else what the body itself declares, else UTF-8.

    ``errors="replace"`` (the default) turns undecodable bytes into U+FFFD, as the fetch layer
    counted them (`FetchResult.replacements`); ``"strict"`` raises UnicodeDecodeError.
    """
    codec, start = _codec_and_start(body, encoding)
    # a declared 'utf-8-sig' or 'utf-16' has already eaten its mark; a stray U+FEFF is dropped too
    return body[start:].decode(codec, errors=errors).lstrip("\ufeff")


def text_stream(body: bytes, encoding: str | None = None, errors: str = "replace") -> io.TextIOWrapper:
    """`decode_text` as a stream (``newline=""``, as the csv module wants): decoded as it is read."""
    codec, start = _codec_and_start(body, encoding)
    stream = io.TextIOWrapper(io.BytesIO(body[start:] if start else body), encoding=codec, errors=errors,
                              newline="")
    return stream


def count_replacements(body: bytes, encoding: str) -> int:
    """How many replacement characters decoding inserts (a genuine U+FFFD in the text is not counted)."""
    codec = usable_codec(encoding)
    replaced = body.decode(codec, errors="replace").count("\ufffd")
    genuine = body.decode(codec, errors="ignore").count("\ufffd")
    return replaced - genuine


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_textual(content_type: str | None) -> bool:
    media = media_type(content_type)
    return media.startswith(_TEXTUAL) or media.endswith(("+json", "+xml"))
