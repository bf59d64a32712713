"""One door for codes: series and areas as a user types them, and the nearest ones when wrong.

The CLI, the API, the web forms and the loaders all resolve codes here, so that one question
gets one answer everywhere: ``sl_tlf_chldec`` is ``SL_TLF_CHLDEC``; ``fr``, ``FRA``, ``250``,
``France`` and ``Francia`` are ``FRA``; ``XYZ`` is refused with the nearest known codes.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable, Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from target87.store.models import Area, Series

SUGGESTIONS = 5
# How close a near miss must be to be suggested (difflib's ratio, 0..1).
CUTOFF = 0.6
FALLBACK = 0.3
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})


class UnknownCode(LookupError):
    """A code that names nothing in the store; ``suggestions`` are the nearest known codes."""

    kind = "code"

    def __init__(self, token: str, suggestions: Sequence[str]):
        self.token = token
        self.suggestions = list(suggestions)
        hint = f" (did you mean {', '.join(self.suggestions)}?)" if self.suggestions else ""
        super().__init__(f"unknown {self.kind} {token!r}{hint}")


class UnknownArea(UnknownCode):
    kind = "area"


class UnknownSeries(UnknownCode):
    kind = "series"


def folded(text: str) -> str:
    """Lower case without accents or surrounding blanks: 'Côte d’Ivoire' ~ 'cote d’ivoire'."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return plain.translate(APOSTROPHES)


def nearest(
    token: str,
    candidates: Iterable[tuple[str, str]],
    n: int = SUGGESTIONS,
    fallback: bool = True,
) -> list[str]:
    """The codes whose code or name is closest to ``token``, best first.

    ``candidates`` are (code, text) pairs; a code may come with several texts (its ISO codes,
    its names in each language). A text that starts with or contains the token ranks first.
    With ``fallback``, a token close to nothing still gets the few least far codes (to show a
    person typing what codes look like); without it, only close ones (a file's new code).
    """
    want = folded(token)
    if not want:
        return []
    scores: dict[str, float] = {}
    for code, text in candidates:
        have = folded(text)
        if not have:
            continue
        if have.startswith(want) or (len(want) >= 3 and want in have):
            score = 1.0 + len(want) / len(have)
        else:
            score = difflib.SequenceMatcher(None, want, have).ratio()
        if score > scores.get(code, 0.0):
            scores[code] = score
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    close = [c for c, score in ranked if score >= CUTOFF]
    # Nothing close (a made-up code): the few least far, so the user sees what codes look like.
    if close or not fallback:
        return close[:n]
    return [c for c, score in ranked if score >= FALLBACK][:3]


def resolve_series(session: Session, token: str) -> Series:
    """A series by its code, in any case; else ``UnknownSeries`` with the nearest codes."""
    text = token.strip()
    series = session.get(Series, text.upper()) if text else None
    if series is not None:
        return series
    rows = session.execute(select(Series.code, Series.name_en, Series.name_fr, Series.name_es))
    candidates = [(r[0], t) for r in rows for t in r if t]
    raise UnknownSeries(token, nearest(text, candidates))


def resolve_area(session: Session, token: str) -> Area:
    """An area by code, ISO3, ISO2, M49 code or name in EN/FR/ES (any case, accents optional);
    else ``UnknownArea`` with the nearest codes."""
    text = token.strip()
    if not text:
        raise UnknownArea(token, [])
    area = session.get(Area, text.upper())
    if area:
        return area
    m49 = text.zfill(3) if text.isdigit() else None
    conditions = [Area.iso3 == text.upper(), Area.iso2 == text.upper()]
    if m49:
        conditions.append(Area.m49 == m49)
    for col in (Area.name_en, Area.name_fr, Area.name_es):
        conditions.append(col.ilike(text.lower()))
    matches = session.execute(select(Area).where(or_(*conditions))).scalars().all()
    if not matches:  # names differing only by accents or case beyond ASCII ('côte', 'CÔTE')
        want = folded(text)
        every = session.execute(select(Area)).scalars().all()
        matches = [a for a in every if want in {folded(n) for n in _names(a)}]
    if matches:
        # A country wins over an aggregate sharing its M49 code or name.
        return sorted(matches, key=lambda a: (a.kind != "country", a.code))[0]
    rows = session.execute(
        select(Area.code, Area.iso2, Area.iso3, Area.name_en, Area.name_fr, Area.name_es)
    )
    candidates = [(r[0], t) for r in rows for t in r if t]
    raise UnknownArea(token, nearest(text, candidates))


def resolve_series_codes(session: Session, tokens: Iterable[str]) -> list[str]:
    """Each token's series code, in order, duplicates dropped; the first unknown one raises."""
    return list(dict.fromkeys(resolve_series(session, t).code for t in tokens if t.strip()))


def resolve_area_codes(session: Session, tokens: Iterable[str]) -> list[str]:
    """Each token's area code, in order, duplicates dropped; the first unknown one raises."""
    return list(dict.fromkeys(resolve_area(session, t).code for t in tokens if t.strip()))


def _names(area: Area) -> list[str]:
    return [n for n in (area.name_en, area.name_fr, area.name_es) if n]
