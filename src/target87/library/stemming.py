"""Turn text into the terms the search indexes and looks for (pure functions).

A term is a word (``\\w+``, Unicode), lower-cased, stemmed by the Snowball stemmer of the
document's language (Porter 1980; Snowball, https://snowballstem.org), then folded: accents
removed (NFKD, combining marks dropped) after stemming, since the French and Spanish
stemmers read the accents. One documented lemma step follows for French: a final doubled
``l``, ``n`` or ``t`` left by the stemmer is made single, so that the verb's stem meets the
noun's (Snowball gives ``travaillant`` -> ``travaill`` but ``travail`` -> ``travail``;
likewise ``personn``/``person``, ``mett``/``met``).

Each word is indexed under its stem of the word as written and of the word without accents
(the two differ for ``minería``: ``min``, ``mineri``), so that a query typed with or without
accents meets it. A document or query in no known language is stemmed in the three
languages; a query word matches any of its stems (``OR``), and all words are required
(``AND``). ``snowballstemmer`` runs the C stemmers of PyStemmer when it is installed (a
dependency: the same stems, checked word for word, a hundred times faster). A word's stems
are cached (a text repeats its words: indexing and cutting passages stem each distinct word
once).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

STEMMERS = {"en": "english", "fr": "french", "es": "spanish"}
WORD = re.compile(r"\w+", re.UNICODE)
_FR_DOUBLE = re.compile(r"([lnt])\1$")


def fold(word: str) -> str:
    """Lower case without accents: ``Él`` -> ``el``, ``œuvre`` -> ``œuvre``."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_PER_THREAD = threading.local()


def _stemmer(language: str):
    """This thread's stemmer for ``language``: a Snowball stemmer keeps its working state on
    the object, so two threads of the web server sharing one would corrupt each other's
    words (``IndexError`` deep in ``find_among_b``)."""
    stemmers = getattr(_PER_THREAD, "stemmers", None)
    if stemmers is None:
        stemmers = _PER_THREAD.stemmers = {}
    if language not in stemmers:
        stemmers[language] = snowballstemmer.stemmer(STEMMERS[language])
    return stemmers[language]


def _stem(word: str, language: str) -> str:
    stemmed = _stemmer(language).stemWord(word)
    if language == "fr":
        stemmed = _FR_DOUBLE.sub(r"\1", stemmed)
    return fold(stemmed)


def stem(word: str, language: str | None) -> str:
    """The folded stem of one word in ``language`` (en, fr, es; None: folded, not stemmed)."""
    lowered = word.lower()
    return _stem(lowered, language) if language in STEMMERS else fold(lowered)


@lru_cache(maxsize=200_000)
def stems(word: str, language: str | None) -> frozenset[str]:
    """Every term a word is indexed or searched under: its stem in ``language`` (in all three
    languages when None), from the word as written and from the word without accents (a
    query typed without accents, ``mineria``, then meets the text's ``minería``)."""
    lowered = word.lower()
    plain = fold(lowered)
    languages = [language] if language in STEMMERS else list(STEMMERS)
    out = {_stem(lowered, lang) for lang in languages} | {_stem(plain, lang) for lang in languages}
    if language not in STEMMERS:
        out.add(plain)
    return frozenset(out)


def words(text: str) -> list[str]:
    return WORD.findall(text)


def index_terms(text: str, language: str | None) -> str:
    """The text as the index holds it: each word's terms (``stems``), space-separated."""
    return " ".join(" ".join(sorted(stems(w, language))) for w in words(text))


def query_stems(query: str, language: str | None = None) -> list[frozenset[str]]:
    """For each word of the query, the terms it may match: its ``stems`` in ``language`` if
    given, else in English, French and Spanish."""
    return [stems(w, language) for w in words(query)]


def fts_query(stems: list[set[str]]) -> str:
    """An FTS5 MATCH expression: every word required, any of its stems accepted. Each stem
    is quoted (FTS5 string syntax), so no query text is read as an operator."""
    groups = []
    for variants in stems:
        quoted = " OR ".join(f'"{v}"' for v in sorted(variants))
        groups.append(f"({quoted})")
    return " AND ".join(groups)
