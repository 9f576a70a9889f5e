"""Numbers from a request are bounded before they reach the database, on every route at once.

An id past PostgreSQL's `integer` (2^31 - 1), or a count past SQLite's 64 bits, is "not found"
(404) or "unprocessable" (422), never a 500: one app-wide dependency checks the path parameters and
the query parameters a route reads as integers; a handler turns what still slips through (a number in
a form or a JSON body the database refuses) into the same answers.
"""

from __future__ import annotations

import logging
import re
import types
import typing
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, StatementError
from starlette.responses import Response

from smsbot.auth.access import PageError
from smsbot.errors import N_

log = logging.getLogger(__name__)
SMALLEST, LARGEST = -(2**31), 2**31 - 1  # PostgreSQL `integer`, the narrowest id column we have
_INTEGER = re.compile(r"[+-]?[0-9]+\Z")
NOT_FOUND_PAGE = N_("There is no such page.")


def out_of_range(value: object) -> bool:
    """True for an integer (or its text) no id column can hold; other text is not this check's business."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return not SMALLEST <= value <= LARGEST
    if isinstance(value, str) and _INTEGER.match(value):
        digits = value.lstrip("+-").lstrip("0")
        return (
            len(digits) > 10 or not SMALLEST <= int(value) <= LARGEST
        )  # length first: int() of 5000 digits raises
    return False


def _is_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    origin = typing.get_origin(annotation)
    return origin in (typing.Union, types.UnionType) and int in typing.get_args(annotation)


def _int_query_names(dependant: Dependant) -> Iterator[str]:
    for field in dependant.query_params:
        if _is_int(field.field_info.annotation):
            yield field.alias
    for sub in dependant.dependencies:
        yield from _int_query_names(sub)


def _not_found(request: Request) -> Exception:
    if request.url.path.startswith("/api"):
        return HTTPException(404, "not found")
    return PageError(404, NOT_FOUND_PAGE)


def bounded_numbers(request: Request) -> None:
    """App-wide dependency: refuse a path id or an integer query parameter out of range."""
    if any(out_of_range(value) for value in request.path_params.values()):
        raise _not_found(request)
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if isinstance(dependant, Dependant):
        for name in _int_query_names(dependant):
            if any(out_of_range(value) for value in request.query_params.getlist(name)):
                if request.url.path.startswith("/api"):
                    raise HTTPException(422, f"{name} is out of range")
                raise PageError(404, NOT_FOUND_PAGE)


def _refused_number(exc: Exception) -> bool:
    """The database refused a value (PostgreSQL's class 22, or a Python int SQLite cannot bind)."""
    if isinstance(exc, DataError):
        return str(getattr(exc.orig, "sqlstate", "") or "").startswith("22")
    return isinstance(exc, StatementError) and isinstance(exc.orig, OverflowError)


async def _database_refused(request: Request, exc: Exception) -> Response:
    if not _refused_number(exc):
        raise exc
    # The statement and values stay out of the log (hide_parameters); the route is enough to follow up.
    log.info("a request value was out of range for the database on %s", request.url.path)
    if request.url.path.startswith("/api"):
        return JSONResponse({"detail": "a number in the request is out of range"}, status_code=422)
    return await _not_found_page(request)


async def _not_found_page(request: Request) -> Response:
    # Rendered by the app's own PageError handler (the dashboard installs it), as a raised one would be.
    handler = request.app.exception_handlers[PageError]
    return await handler(request, PageError(404, NOT_FOUND_PAGE))


def install(app: FastAPI) -> None:
    """Handlers for what the dependency cannot see (forms and JSON bodies); the dependency is given
    to `FastAPI(dependencies=...)` in app.py so it runs on every route."""
    app.add_exception_handler(DataError, _database_refused)
    app.add_exception_handler(StatementError, _database_refused)
    app.add_exception_handler(OverflowError, _overflow)


async def _overflow(request: Request, exc: Exception) -> Response:
    # A number too large for a date or a duration (e.g. `?days=` far beyond any calendar).
    if request.url.path.startswith("/api"):
        return JSONResponse({"detail": "a number in the request is out of range"}, status_code=422)
    return await _not_found_page(request)
