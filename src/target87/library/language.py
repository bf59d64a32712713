"""Which of English, French or Spanish a text is written in: a stopword count.

The score of a language is the share of the text's words (lower-cased, first 5,000) found in
that language's list of frequent function words below; the highest share wins if it is at
least 5% and ahead of the next by a margin (else: unknown, ``None``). Chosen over a
statistical detector (py3langid, fastText) because the platform needs only these three
languages, function words separate them well on any text of a paragraph or more, and it
adds no dependency nor model file. Short texts (under 20 words) are not judged.
"""

from __future__ import annotations

from target87.library.stemming import words


def _set(listed: str) -> frozenset[str]:
    return frozenset(listed.split())


STOPWORDS = {
    "en": _set(
        "the of and to in is that for on with as by are was this be it from at or an which "
        "have has not their were been they its these who but also more than all other into "
        "such between"
    ),
    "fr": _set(
        "le la les des du de et en un une est que qui dans pour sur par au aux sont pas ce "
        "cette ces il elle ils plus ont avec se ou leur leurs été être entre mais "
        "comme nous"
    ),
    "es": _set(
        "el la los las del de y en un una es que por para con se al su sus son no como más "
        "pero este esta estos entre han fue ser ha también sobre lo muy"
    ),
}
MIN_WORDS = 20
MIN_SHARE = 0.05
MARGIN = 1.2  # the winner's share must be 20% above the runner-up's


def detect_language(text: str) -> str | None:
    """``en``, ``fr``, ``es`` or None (too short, or no clear winner)."""
    tokens = [w.lower() for w in words(text)[:5000]]
    if len(tokens) < MIN_WORDS:
        return None
    shares = {
        lang: sum(t in stop for t in tokens) / len(tokens) for lang, stop in STOPWORDS.items()
    }
    ranked = sorted(shares.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < MIN_SHARE or top < second * MARGIN:
        return None
    return best
