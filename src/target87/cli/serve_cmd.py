"""``target87 serve``: the web platform on http://127.0.0.1:8087."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from target87.cli.app import app, console, ready_engine, state


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

    engine = ready_engine()  # creates and loads the warehouse with a progress bar if needed
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    console.print(f"target87 on http://{host}:{port}/ (database {state.database_url or url})")
    if workers == 1:
        uvicorn.run(create_app(url), host=host, port=port, log_level="warning", **server_options())
        return
    # Each worker process builds its own app (and engine) from the environment, and listens on
    # a socket of its own so that the kernel spreads the connections (web/workers.py).
    from target87.web.workers import WorkerError, serve_workers

    os.environ[DATABASE_URL_ENV] = url
    try:
        serve_workers(host, port, workers)
    except WorkerError as exc:
        console.print(f"[red]Error:[/red] {exc}")
        raise typer.Exit(1) from None
