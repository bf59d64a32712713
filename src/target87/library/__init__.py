"""The knowledge library: documents on Target 8.7 in English, French and Spanish, their text
extracted and indexed for a stemmed, accent-blind, BM25-ranked search with facets.

Public surface: ``add_document`` (all or nothing), ``reindex``, ``search``, and their
dataclasses. The search runs on SQLite's FTS5 for now (see ``library.search``).
"""

from target87.library.documents import (
    MAX_BYTES,
    Added,
    DocumentMeta,
    add_document,
    default_data_dir,
    reindex,
)
from target87.library.errors import LibraryError
from target87.library.search import Filters, Hit, Results, search

__all__ = [
    "MAX_BYTES",
    "Added",
    "DocumentMeta",
    "Filters",
    "Hit",
    "LibraryError",
    "Results",
    "add_document",
    "default_data_dir",
    "reindex",
    "search",
]
