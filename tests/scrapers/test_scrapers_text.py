"""scrapers.text: the one decoding step of every text parser (BOMs, declared charsets)."""

from __future__ import annotations

import ast
import codecs
from pathlib import Path

import pytest

from scrapers.text import decode_text, detect_encoding, sniff_bom, text_stream

SCRAPERS = Path(__file__).resolve().parents[2] / "scrapers"


@pytest.mark.parametrize("codec", ["utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_a_bom_wins_over_the_declared_charset_and_is_dropped(codec):
    bom = {"utf-8": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
           "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}[codec]
    body = bom + "date,jobcountry\n2026-01-01,GB £\n".encode(codec)
    for told in (None, "utf-8", "iso-8859-1", "no-such-charset"):
        assert decode_text(body, told) == "date,jobcountry\n2026-01-01,GB £\n"
        assert text_stream(body, told).read() == "date,jobcountry\n2026-01-01,GB £\n"
    assert body.decode(detect_encoding(body, "text/csv; charset=utf-8")).lstrip("\ufeff").startswith("date")


def test_a_doubled_bom_is_dropped_whole():
    assert sniff_bom(codecs.BOM_UTF8 * 2 + b"x") == ("utf-8", 6)
    assert decode_text(codecs.BOM_UTF8 * 2 + b"date\n", "utf-8") == "date\n"


def test_without_a_bom_the_declared_then_the_body_s_own_charset_then_utf8():
    assert decode_text("£5".encode("latin-1"), "iso-8859-1") == "£5"
    assert decode_text(b'<meta charset="windows-1252"><p>\x80</p>') == '<meta charset="windows-1252"><p>€</p>'
    assert decode_text(b"ok \xff", None) == "ok \ufffd"  # bad bytes replaced, as the fetch counted them
    with pytest.raises(UnicodeDecodeError):
        decode_text(b"ok \xff", "utf-8", errors="strict")


def test_every_text_parser_decodes_through_scrapers_text():
    """No parser decodes bytes itself (``.decode(``, ``TextIOWrapper``, or bytes into BeautifulSoup)."""
    offenders = []
    # scrapers/sheets.py is the tabular readers' one step (CSV through scrapers.text, xlsx as a zip)
    for path in [SCRAPERS / "sheets.py", *sorted(SCRAPERS.glob("*/parse.py"))]:
        tree = ast.parse(path.read_text())
        readers = ("scrapers.text",) if path.name == "sheets.py" else ("scrapers.text", "scrapers.sheets")
        imports_text = any(isinstance(n, ast.ImportFrom) and n.module in readers for n in ast.walk(tree))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in ("decode", "TextIOWrapper"):
                offenders.append(f"{path.parent.name}: .{node.attr} at line {node.lineno}")
        if not imports_text:
            offenders.append(f"{path.parent.name}: does not import scrapers.text")
    assert offenders == []
