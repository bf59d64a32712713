"""The web layer: the REST API (``target87.web.api.routes``)."""
