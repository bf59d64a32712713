"""``target87 serve``: the web platform on http://127.0.0.1:8087."""

from __future__ import annotations

import errno
import os
import socket
from typing import Annotated

import typer

from target87.cli.common import console, err, ready_engine, state

app = typer.Typer()


def claim_port(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port), not listening yet; exit 1 with a clear message if the
    port is taken or the address cannot be used.

    Bound before anything is printed or loaded, so that the address is only announced once it
    is ours; with one worker the server then listens on this very socket.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: TIME_WAIT is free
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            reason = (
                f"port {port} on {host} is already in use (another program, perhaps another "
                "target87, is listening there)"
            )
        else:
            reason = f"cannot listen on {host} port {port}: {exc.strerror or exc}"
        other = 8088 if port != 8088 else 8089
        err.print(
            f"[red]Error:[/red] {reason}. Choose another port with --port, e.g. "
            f"`target87 serve --port {other}` or `python3 dev.py run serve --port {other}`.",
            highlight=False,
        )
        raise typer.Exit(1) from None
    return sock


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (localhost by default).")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(help="Port.")] = 8087,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (one per core serves the most readers).")
    ] = 1,
) -> None:
    """Start the web platform; the database is created and loaded on first start."""
    import uvicorn

    from target87.web.app import DATABASE_URL_ENV, create_app, server_options

    sock = claim_port(host, port)  # before the (first-run) loading and before any address
    port = sock.getsockname()[1]  # the one picked, when asked for any (port 0)
    if workers > 1:
        # Every worker binds a socket of its own in the port's SO_REUSEPORT group, which this
        # plain socket would keep them out of: it only checked that the port was free.
        sock.close()
    try:
        engine = ready_engine()  # creates and loads the warehouse with a progress bar if needed
    except BaseException:
        sock.close()
        raise
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    database = state.database_url or url
    if workers == 1:
        console.print(f"target87 on http://{host}:{port}/ (database {database})")
        config = uvicorn.Config(
            create_app(url), host=host, port=port, log_level="warning", **server_options()
        )
        server = uvicorn.Server(config)
        try:
            server.run(sockets=[sock])
        except KeyboardInterrupt:
            pass
        finally:
            sock.close()
        if not server.started:
            raise typer.Exit(3)  # uvicorn said why; as uvicorn.run exits on a failed start
        return
    # Each worker process builds its own app (and engine) from the environment, and listens on
    # a socket of its own so that the kernel spreads the connections (web/workers.py).
    from target87.web.workers import WorkerError, serve_workers

    os.environ[DATABASE_URL_ENV] = url
    console.print(f"target87 on http://{host}:{port}/ (database {database}), {workers} workers")
    try:
        serve_workers(host, port, workers)
    except WorkerError as exc:
        err.print(f"[red]Error:[/red] {exc}")
        raise typer.Exit(1) from None
