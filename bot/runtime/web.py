"""The aiohttp application hosting Slack's and Teams' endpoints, the playground, /healthz
and /metrics."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.runtime.metrics import Metrics
from storage.db import ping
from storage.uow import Database

HealthPart = Callable[[], Awaitable[dict[str, object]]]


def health_handler(
    db: Database, parts: dict[str, HealthPart]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def healthz(request: web.Request) -> web.Response:
        database_ok = await ping(db.engine)
        body: dict[str, object] = {"database": "ok" if database_ok else "unreachable"}
        healthy = database_ok
        for name, part in parts.items():
            report = await part()
            body[name] = report
            healthy = healthy and bool(report.get("ok", True))
        body["status"] = "ok" if healthy else "degraded"
        return web.json_response(body, status=200 if healthy else 503)

    return healthz


def metrics_handler(metrics: Metrics) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def serve_metrics(request: web.Request) -> web.Response:
        body, content_type = await metrics.exposition(request.headers.get("Accept", ""))
        return web.Response(body=body, headers={"Content-Type": content_type})

    return serve_metrics


def build_web_app(
    db: Database,
    *,
    health_parts: dict[str, HealthPart],
    sub_apps: dict[str, web.Application],
    routes: list[web.RouteDef],
    metrics: Metrics | None = None,
) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_get("/healthz", health_handler(db, health_parts))
    if metrics is not None:
        app.router.add_get("/metrics", metrics_handler(metrics))
    app.router.add_routes(routes)
    for prefix, sub_app in sub_apps.items():
        app.add_subapp(prefix, sub_app)
    if "/playground/" in sub_apps:

        async def home(request: web.Request) -> web.Response:
            raise web.HTTPFound("/playground/")

        app.router.add_get("/", home)
    return app
