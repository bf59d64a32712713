"""What the public pages share."""

from __future__ import annotations

from sqlalchemy.orm import Session

from target87 import store
from target87.store import models as M


def name_of(s: Session, model, key: str, lang: str) -> str:
    """The name of an area or series in ``lang`` (its code when it is unknown)."""
    obj = s.get(model, key)
    return obj.name(lang) if obj is not None else key


def cited_sources(s: Session, ids: set[str]) -> list[M.Source]:
    """The sources of ``ids``, in the order of their ids."""
    return [src for src in store.sources(s) if src.id in ids]
