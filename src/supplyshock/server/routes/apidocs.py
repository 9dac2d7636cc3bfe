"""``/docs``: Swagger UI served from the installed package, so the API's documentation opens offline.

FastAPI's own ``/docs`` page loads Swagger UI from a CDN and is blank without internet
access. This router serves the page with its script and style from the
``swagger-ui-bundle-v2`` package (part of ``supplyshock[server]``) under
``/docs/static/``. Without that package, ``/docs`` lists the operations of
``/openapi.json`` as a plain page and says what to install.
"""

from __future__ import annotations

import functools
import html
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

__all__ = ["ASSETS", "router", "swagger_ui_folder"]

#: The Swagger UI files served under ``/docs/static/``, with their media types.
ASSETS: dict[str, str] = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}
_CACHE = {"Cache-Control": "public, max-age=86400"}

router = APIRouter(include_in_schema=False)


def swagger_ui_folder() -> Path | None:
    """The folder of Swagger UI's files in the installed ``swagger_ui_bundle`` package, or None."""
    try:
        import swagger_ui_bundle
    except ImportError:
        return None
    folder = Path(str(swagger_ui_bundle.swagger_ui_path))
    return folder if (folder / "swagger-ui-bundle.js").is_file() else None


@functools.lru_cache(maxsize=len(ASSETS))
def _asset(name: str) -> bytes:
    folder = swagger_ui_folder()
    if folder is None:
        raise HTTPException(404, "Swagger UI is not installed: pip install 'supplyshock[server]'")
    return (folder / name).read_bytes()


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """Swagger UI for this API, from the package (no CDN)."""
    title = f"{request.app.title} API"
    if swagger_ui_folder() is None:
        ops = []
        for path, methods in request.app.openapi().get("paths", {}).items():
            for method, op in methods.items():
                ops.append(f"<li><code>{html.escape(method.upper())} {html.escape(path)}</code>: {html.escape(str(op.get('summary', '')))}</li>")
        body = (
            f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title></head><body>"
            f"<h1>{html.escape(title)}</h1><p>Swagger UI is not installed here (pip install 'supplyshock[server]'); "
            "the schema is at <a href='/openapi.json'>/openapi.json</a>.</p><ul>" + "".join(ops) + "</ul></body></html>"
        )
        return HTMLResponse(body)
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url or "/openapi.json",
        title=title,
        swagger_js_url="/docs/static/swagger-ui-bundle.js",
        swagger_css_url="/docs/static/swagger-ui.css",
        swagger_favicon_url="/docs/static/favicon-32x32.png",
    )


@router.get("/docs/static/{name}")
def asset(name: str) -> Response:
    """One of Swagger UI's files (:data:`ASSETS`)."""
    media = ASSETS.get(name)
    if media is None:
        raise HTTPException(404, f"no file {name[:80]!r}")
    return Response(_asset(name), media_type=media, headers=_CACHE)
