"""The FastAPI application: REST under /api/v1 and the built single-page app at /."""

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse

from backend.api.errors import install_error_handlers
from backend.api.limits import BodyLimitMiddleware
from backend.api.main import api_router
from backend.api.timing import ServerTimingMiddleware
from backend.config import Settings, get_settings

API_PREFIX = "/api/v1"


def _mount_frontend(app: FastAPI, static_dir: Path) -> None:
    """Serve the built files; unknown non-API paths fall back to index.html (client routing)."""
    index = static_dir / "index.html"

    @app.get("/{path:path}", include_in_schema=False)
    def spa(path: str) -> FileResponse:
        if path.startswith(API_PREFIX.lstrip("/")):
            raise HTTPException(404, "Not found")
        candidate = (static_dir / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(static_dir.resolve()):
            return FileResponse(candidate)
        if not index.is_file():
            raise HTTPException(404, "The frontend is not built: run `make frontend`")
        return FileResponse(index)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check_secrets()
    app = FastAPI(
        title="segloop",
        description="Human-in-the-loop active domain adaptation for semantic segmentation.",
        version="0.1.0",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.add_middleware(
        BodyLimitMiddleware,
        max_json_bytes=settings.max_json_bytes,
        max_upload_bytes=settings.max_upload_bytes,
    )
    app.add_middleware(ServerTimingMiddleware)
    install_error_handlers(app)
    app.include_router(api_router, prefix=API_PREFIX)
    _mount_frontend(app, settings.frontend_dir)
    return app
