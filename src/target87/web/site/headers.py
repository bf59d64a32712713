"""Security headers on every answer: a Content-Security-Policy without inline script or eval,
nosniff, frame-ancestors none. Nothing the site serves loads from another host."""

from __future__ import annotations

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# A chart's embed page (/embed/...) is made to be framed by other sites (a ministry's own
# page): the same policy, but any site may frame it, and no X-Frame-Options: DENY.
EMBED_PREFIX = "/embed/"
EMBED_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors *")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class SecurityHeaders:
    """Adds ``SECURITY_HEADERS`` to every HTTP response that does not set them itself."""

    def __init__(self, app) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
        embed = {**SECURITY_HEADERS, "Content-Security-Policy": EMBED_CSP}
        embed.pop("X-Frame-Options")
        self.embed_headers = [(k.lower().encode(), v.encode()) for k, v in embed.items()]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        ours = self.embed_headers if scope["path"].startswith(EMBED_PREFIX) else self.headers

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [h for h in ours if h[0] not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
