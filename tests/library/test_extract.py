"""Text extraction by real type: PDF, DOCX, HTML (scripts dropped), Markdown, text; bad input
refused or saved with a note; language detection on real sentences."""

from __future__ import annotations

import pytest

from target87.library.errors import LibraryError
from target87.library.extract import detect_type, extract
from target87.library.language import detect_language

from .conftest import (
    encrypt_pdf,
    make_docx,
    make_image_only_pdf,
    make_pdf,
    make_zip_bomb,
)

FR = (
    "Le travail des enfants reste un problème majeur dans les pays où les familles vivent "
    "de l'agriculture. Les inspecteurs du travail visitent les exploitations pour vérifier "
    "que les enfants sont à l'école et non dans les champs."
)
ES = (
    "El trabajo infantil sigue siendo un problema grave en las zonas rurales, donde los "
    "niños trabajan en la agricultura familiar. Los inspectores de trabajo visitan las "
    "fincas para comprobar que los niños van a la escuela."
)
EN = (
    "Child labour remains a major problem in rural areas, where children work on family "
    "farms. Labour inspectors visit the farms to check that the children are at school and "
    "not in the fields, and this is the role of the inspectorate."
)


def read(path):
    return extract(path, path.read_bytes())


def test_pdf_text_and_title(tmp_path):
    got = read(make_pdf(tmp_path / "r.pdf", EN, title="Rural report"))
    assert got.media_type == "pdf" and got.note is None
    assert "inspectors visit the farms" in " ".join(got.text.split())
    assert got.title == "Rural report"


def test_encrypted_pdf_is_kept_with_a_note(tmp_path):
    plain = make_pdf(tmp_path / "p.pdf", EN)
    got = read(encrypt_pdf(plain, tmp_path / "locked.pdf"))
    assert got.text == "" and "encrypted" in got.note


def test_a_pdf_locked_by_an_owner_password_only_is_read(tmp_path):
    """Restrictions on printing or copying do not stop reading: the user password is empty."""
    plain = make_pdf(tmp_path / "p.pdf", EN)
    got = read(encrypt_pdf(plain, tmp_path / "restricted.pdf", "", owner_password="owner"))
    assert got.note is None and "inspectors visit the farms" in " ".join(got.text.split())


def test_corrupt_pdf_is_kept_with_a_note(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(make_pdf(tmp_path / "p.pdf", EN).read_bytes()[:300])
    got = read(path)
    assert got.media_type == "pdf" and got.text == ""
    assert got.note.startswith("no text could be extracted")


def test_image_only_pdf_says_no_text_layer(tmp_path):
    got = read(make_image_only_pdf(tmp_path / "scan.pdf"))
    assert got.text == "" and "no text layer" in got.note


def test_docx_paragraphs_and_title(tmp_path):
    got = read(make_docx(tmp_path / "d.docx", [FR, "Deuxième paragraphe."], title="Rapport"))
    assert got.media_type == "docx" and got.title == "Rapport"
    assert FR in got.text and "Deuxième paragraphe." in got.text


def test_docx_zip_bomb_is_refused_before_opening(tmp_path):
    bomb = make_zip_bomb(tmp_path / "bomb.docx")
    with pytest.raises(LibraryError, match="zip bomb") as caught:
        read(bomb)
    assert caught.value.file == str(bomb)


def test_html_drops_scripts_and_styles(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<!DOCTYPE html><html><head><title>Inspection  du travail</title>"
        "<style>body { color: red }</style><script>alert('pwned')</script></head>"
        "<body><p>Le travail des enfants.</p><script type='module'>steal()</script>"
        "<p>Suite &amp; fin</p></body></html>",
        encoding="utf-8",
    )
    got = read(path)
    assert got.media_type == "html" and got.title == "Inspection du travail"
    assert "Le travail des enfants." in got.text and "Suite & fin" in got.text
    assert "alert" not in got.text and "steal" not in got.text and "color" not in got.text


def test_markdown_and_text(tmp_path):
    md = tmp_path / "notes.md"
    md.write_text("# Bonnes pratiques\n\nTexte.\n", encoding="utf-8")
    txt = tmp_path / "notes.txt"
    txt.write_text("Plain words.\n", encoding="utf-8")
    assert (read(md).media_type, read(md).title) == ("markdown", "Bonnes pratiques")
    assert (read(txt).media_type, read(txt).text) == ("text", "Plain words.\n")


def test_a_lying_extension_is_read_by_its_real_type_with_a_note(tmp_path):
    path = tmp_path / "report.docx"
    path.write_bytes(make_pdf(tmp_path / "real.pdf", EN).read_bytes())
    got = read(path)
    assert got.media_type == "pdf" and "inspectors" in got.text
    assert got.note == "the name ends .docx but the content is PDF: read as PDF"


def test_an_unknown_binary_type_is_refused(tmp_path):
    path = tmp_path / "photo.pdf"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(LibraryError, match="not a PDF, DOCX, HTML, Markdown or text file"):
        read(path)


def test_a_zip_that_is_not_a_docx_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "x.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(LibraryError, match="not a DOCX"):
        read(path)


def test_detect_type_ignores_the_name():
    assert detect_type(b"%PDF-1.7\n", "a.html") == "pdf"
    assert detect_type(b"  <!doctype html><html>", "a.txt") == "html"
    assert detect_type(b"## Heading\n", "a.txt") == "markdown"


@pytest.mark.parametrize(("text", "lang"), [(EN, "en"), (FR, "fr"), (ES, "es")])
def test_language_detection(text, lang):
    assert detect_language(text) == lang


def test_too_short_to_judge():
    assert detect_language("Le travail") is None
