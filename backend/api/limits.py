"""Request body limits, enforced before anything parses the body.

JSON and form bodies are parsed whole into memory, so a huge one costs memory and CPU before
validation could refuse it. Multipart uploads stream to disk and get the upload limit. A body
with a Content-Length over its limit is answered 413 unread; a chunked body is counted as it
arrives and refused once it passes the limit.
"""

from fastapi import HTTPException, status
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Room for the multipart boundaries and form fields around an upload of the maximum size.
MULTIPART_OVERHEAD = 1024 * 1024


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_json_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_json_bytes = max_json_bytes
        self.max_upload_bytes = max_upload_bytes

    def _limit(self, headers: Headers) -> tuple[int, str]:
        if headers.get("content-type", "").lower().startswith("multipart/form-data"):
            return self.max_upload_bytes + MULTIPART_OVERHEAD, "upload"
        return self.max_json_bytes, "request body"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit, what = self._limit(headers)
        too_large = f"the {what} is larger than the limit of {limit} bytes"
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                response = JSONResponse(
                    {"detail": "Content-Length must be a number of bytes"},
                    status.HTTP_400_BAD_REQUEST,
                )
                await response(scope, receive, send)
                return
            if int(declared) > limit:
                response = JSONResponse({"detail": too_large}, status.HTTP_413_CONTENT_TOO_LARGE)
                await response(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return

        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # FastAPI re-raises HTTPExceptions raised while it reads the body.
                    raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, too_large)
            return message

        await self.app(scope, counting_receive, send)
