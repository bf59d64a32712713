"""The Babel catalogs: every UI text translated in French and Spanish, none left over."""

from __future__ import annotations

import re
from importlib import resources

import pytest
from babel.messages.pofile import read_po

from target87.presentation.messages import MESSAGES, label
from tests.conftest import ROOT


def catalog(lang: str):
    path = resources.files("target87") / "locale" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_every_text_is_translated_and_none_is_left_over(lang):
    po = catalog(lang)
    ids = {m.id for m in po if m.id}
    untranslated = sorted(m.id for m in po if m.id and (not m.string or m.fuzzy))
    missing = sorted(set(MESSAGES.values()) - ids)
    obsolete = sorted(ids - set(MESSAGES.values()))
    assert untranslated == [] and missing == [], f"{lang}: translate {untranslated + missing}"
    assert obsolete == [], f"{lang}: run scripts/update_catalogs.py to drop {obsolete}"


def test_placeholders_survive_translation():
    for key, text in MESSAGES.items():
        wanted = sorted(re.findall(r"\{\w+\}", text))
        for lang in ("fr", "es"):
            assert sorted(re.findall(r"\{\w+\}", label(key, lang))) == wanted, (key, lang)


def test_every_key_the_templates_use_exists():
    templates = (ROOT / "src" / "target87" / "presentation" / "templates").rglob("*.html")
    used = {k for path in templates for k in re.findall(r'\bt\("(\w+)"\)', path.read_text())}
    assert used and used <= set(MESSAGES), sorted(used - set(MESSAGES))
