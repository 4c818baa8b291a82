"""Error responses for hostile or malformed input: always a 4xx that says what to fix."""

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError

JSON_MEDIA_TYPES = ("application/json",)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _wants_json_body(exc: RequestValidationError) -> bool:
    """A JSON body endpoint that got something other than a JSON object."""
    return any(
        tuple(error["loc"]) == ("body",) and error["type"] in ("model_attributes_type", "dict_type")
        for error in exc.errors()
    )


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422 list, without echoing the input: a huge body would come back whole, and
    NaN or Infinity (accepted by Python's JSON parser) cannot be rendered as JSON at all."""
    media_type = _media_type(request)
    if _wants_json_body(exc) and media_type not in JSON_MEDIA_TYPES:
        return JSONResponse(
            {"detail": f"Content-Type {media_type or '(none)'} is not supported: send JSON "
             "with Content-Type application/json"},
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        )  # fmt: skip
    errors = []
    for error in exc.errors():
        out = {key: error[key] for key in ("type", "loc", "msg")}
        # A validator's exception is already in `msg`; limits (ge, max_length...) stay.
        ctx = {key: value for key, value in error.get("ctx", {}).items() if key != "error"}
        if ctx:
            out["ctx"] = ctx
        errors.append(out)
    content = jsonable_encoder({"detail": errors}, custom_encoder={float: _finite})
    return JSONResponse(content, status.HTTP_422_UNPROCESSABLE_CONTENT)


def _finite(value: float) -> float | str:
    return value if value == value and abs(value) != float("inf") else str(value)


async def data_error(_: Request, exc: DataError) -> JSONResponse:
    """The database refused a value the schema let through (an id beyond its integer range,
    a NUL character): the request is at fault, not the server."""
    reason = str(exc.orig).splitlines()[0] if exc.orig is not None else "invalid value"
    return JSONResponse(
        {"detail": f"a value in the request is not acceptable to the database: {reason}"},
        status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


async def overflow_error(_: Request, exc: OverflowError) -> JSONResponse:
    """SQLite's driver refuses integers beyond 64 bits before the query runs; any other
    overflow is a bug and stays a 500."""
    if "SQLite INTEGER" not in str(exc):
        raise exc
    return JSONResponse(
        {"detail": f"a number in the request is out of range: {exc}"},
        status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


def install_error_handlers(app: FastAPI) -> None:
    # The decorator form of add_exception_handler: it types a handler as any callable, where
    # add_exception_handler wants one that takes every Exception, not the class it handles.
    app.exception_handler(RequestValidationError)(validation_error)
    app.exception_handler(DataError)(data_error)
    app.exception_handler(OverflowError)(overflow_error)
