"""The knowledge library: documents on Target 8.7 in English, French and Spanish, their text
extracted and indexed for a stemmed, accent-blind, BM25-ranked search with facets.

Public surface: ``add_document`` (all or nothing), ``get_document``, ``original_path``,
``allows_download``, ``reindex``, ``find`` (one search over documents, good practices, the
directory of services and the indicator catalogue, with who may find what), ``search``
(documents only), and their dataclasses. Search runs on SQLite's FTS5 and on PostgreSQL's
full-text search (``library.find``).
"""

from target87.library.documents import (
    MAX_BYTES,
    Added,
    DocumentMeta,
    add_document,
    allows_download,
    default_data_dir,
    get_document,
    original_path,
    reindex,
)
from target87.library.errors import LibraryError
from target87.library.find import KINDS, FindFilters, FindResults, Found, find
from target87.library.search import Filters, Hit, Results, search

__all__ = [
    "KINDS",
    "MAX_BYTES",
    "Added",
    "DocumentMeta",
    "Filters",
    "FindFilters",
    "FindResults",
    "Found",
    "Hit",
    "LibraryError",
    "Results",
    "add_document",
    "allows_download",
    "default_data_dir",
    "find",
    "get_document",
    "original_path",
    "reindex",
    "search",
]
