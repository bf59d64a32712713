"""The stemmers behind the search: PyStemmer's C code gives the pure-Python Snowball stems
word for word, and the web server's threads may stem at once."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

import pytest
import snowballstemmer
from snowballstemmer.english_stemmer import EnglishStemmer
from snowballstemmer.french_stemmer import FrenchStemmer
from snowballstemmer.spanish_stemmer import SpanishStemmer

from target87.library import stemming

PURE = {"en": EnglishStemmer, "fr": FrenchStemmer, "es": SpanishStemmer}


def vocabulary(lang: str) -> list[str]:
    """Every word of the site's messages in ``lang`` (thousands of real words)."""
    if lang == "en":
        from target87.presentation.messages import MESSAGES

        text = " ".join(MESSAGES.values())
    else:
        path = resources.files("target87") / "locale" / lang / "LC_MESSAGES" / "messages.po"
        text = path.read_text(encoding="utf-8")
    return sorted({w.lower() for w in re.findall(r"\w+", text)})


def test_the_c_stemmers_are_the_ones_in_use():
    import Stemmer

    assert snowballstemmer.stemmer is Stemmer.Stemmer


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_c_and_pure_python_snowball_agree_word_for_word(lang):
    words = vocabulary(lang)
    assert len(words) > 1000
    fast = snowballstemmer.stemmer(stemming.STEMMERS[lang])
    pure = PURE[lang]()
    differ = [w for w in words if fast.stemWord(w) != pure.stemWord(w)]
    assert differ == []


def test_threads_stemming_at_once_get_the_same_terms():
    words = vocabulary("fr") + vocabulary("es")
    text = " ".join(words)
    expected = {lang: stemming.index_terms(text, lang) for lang in ("fr", "es")}
    stemming.stems.cache_clear()  # make every thread do the stemming itself

    def work(i: int) -> bool:
        lang = ("fr", "es")[i % 2]
        chunk = words[i * 97 % len(words) :][:400]
        return all(
            stemming.stems(w, lang) == frozenset(stemming.stems.__wrapped__(w, lang)) for w in chunk
        ) and (i % 8 or stemming.index_terms(text, lang) == expected[lang])

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(work, range(64)))


@pytest.mark.parametrize("lang", ["en", "fr", "es", None])
def test_a_stem_keeps_its_words_first_letter(lang):
    """What ``find.passage`` relies on to stem only the words that can match."""
    words = vocabulary(lang or "fr") + vocabulary("es") + ["Élève", "Ñandú", "dying", "œuvre"]
    for word in words:
        for term in stemming.stems(word, lang):
            assert term[:1] == stemming.fold(word[0]), (word, term)
