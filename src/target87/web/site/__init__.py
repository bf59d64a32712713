"""The plumbing every room of the web shares: who is asking (``visitors``), the checks on every
unsafe request (``forms``), the page cache (``cache``), the reader's language (``language``),
rendering (``render``), words for codes and citations (``labels``), error pages (``errors``)
and security headers (``headers``); and the sign-in and sign-out pages (``auth``), its room's
``router``."""

from target87.web.site.auth import router

__all__ = ["router"]
