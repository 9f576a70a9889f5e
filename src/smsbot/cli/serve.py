"""`smsbot serve`: the web app (webhooks, API, dashboard, /metrics) under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from smsbot.cli import app
from smsbot.cli.context import refuse
from smsbot.config import ConfigError, get_settings


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Web processes.")] = 1,
) -> None:
    """Run the web app (webhooks, API, dashboard, /metrics)."""
    import uvicorn

    try:
        settings = get_settings()
        settings.master_key  # noqa: B018  (create the development key before workers fork)
    except ConfigError as exc:
        refuse(f"configuration error: {exc}")
    from smsbot.observability import prepare_multiprocess

    prepare_multiprocess(workers)  # /metrics sums every web process
    typer.echo(
        f"smsbot: serving on http://{host}:{port} (sender: {settings.sender_name}, env: {settings.env})"
    )
    options = dict(
        factory=True,  # each web process builds, warms up and freezes its app
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,  # access logs would carry nothing personal, but they add cost on the hot path
        proxy_headers=False,
        server_header=False,  # no version banner for scanners
        # Idle keep-alive connections stay open longer than a proxy keeps its own (Caddy: 2 min): a
        # server that closes first races the proxy's next request on that connection, which then
        # fails (uvicorn's 5 s cost failed requests whenever a burst reused older connections).
        timeout_keep_alive=130,
    )
    from smsbot.cli import web_processes

    if workers > 1 and web_processes.supported():
        web_processes.run(uvicorn.Config("smsbot.app:serve_app", **options))
    else:
        uvicorn.run("smsbot.app:serve_app", **options)
