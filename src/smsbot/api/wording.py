"""`/api/wording`: the replies as the line sends them, one reply's versions, publishing a new version
(the same checks as `smsbot content check`) and bringing an earlier one back. Admins only.

A thin adapter over smsbot.replies.editing, as the Wording pages and `smsbot content` are: the same
rules, the same audit row (naming the API as the door). A draft the checker refuses answers 422 with
every problem beside the part it belongs to ("en-0": English, first part).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from smsbot.actor import Actor, Door
from smsbot.api.errors import Refusal
from smsbot.auth.auth import app_context, require_admin
from smsbot.context import AppContext
from smsbot.models import Staff
from smsbot.replies import editing, published
from smsbot.replies.wording import Pack, load_packs

router = APIRouter(prefix="/api/wording", tags=["wording"])
Key = Path(max_length=64, description="the reply's name, e.g. naloxone")
MAX_PARTS = 10
Parts = list[str]


class Problem(BaseModel):
    field: str = Field(description="the part it is about: language-index, e.g. en-0")
    message: str


class CheckRefusal(BaseModel):
    """The draft breaks the content check's rules: the first problem in words, then every one."""

    detail: str
    problems: list[Problem]


class Draft(BaseModel):
    """A new version: the parts of one or both languages (a language left out stays as it is)."""

    texts: dict[str, list[str]] = Field(description='language -> parts, e.g. {"en": ["...", "..."]}')
    base_version: int | None = Field(
        None, ge=0, le=10**8, description="the version you edited; left out: the newest (no check)"
    )


class RollBack(BaseModel):
    """Bring version `to_version` back (0: the wording the packs shipped), as a new version."""

    to_version: int = Field(ge=0, le=10**8)
    languages: list[Literal["en", "es"]] | None = Field(None, description="left out: every language")
    base_version: int | None = Field(None, ge=0, le=10**8)


def _packs(ctx: AppContext) -> dict[str, Pack]:
    return load_packs(ctx.settings.wording_dir)


def _actor(staff: Staff) -> Actor:
    return Actor.of_staff(staff, Door.API)


def _texts(texts: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    return {language: list(parts) for language, parts in texts.items()}


@router.get("")
def list_wording(staff: Staff = Depends(require_admin), ctx: AppContext = Depends(app_context)) -> list[dict]:
    """Every reply, with the number of its newest published version (null: as the packs shipped it)."""
    with ctx.db.transaction() as conn:
        found = editing.listing(conn, _actor(staff), _packs(ctx))
    return [{"key": key, "version": number} for key, number in found]


def _shown(ctx: AppContext, staff: Staff, key: str) -> dict[str, Any]:
    packs = _packs(ctx)
    with ctx.db.transaction() as conn:
        found, in_use = editing.current(conn, _actor(staff), packs, key)
        people = dict(conn.execute(select(Staff.__table__.c.id, Staff.__table__.c.name)).all())
    return {
        "key": key,
        "version": found[0].number if found else 0,
        "texts": _texts(in_use),
        "shipped": _texts(editing.effective(packs, key, None)),
        "history": [
            {
                "version": version.number,
                "restores": version.restores,
                "published_by": people.get(version.published_by) if version.published_by else None,
                "published_at": version.published_at.isoformat(),
                "texts": _texts(editing.effective(packs, key, version)),
            }
            for version in found
        ],
    }


@router.get("/{key}")
def show_wording(
    key: str = Key, staff: Staff = Depends(require_admin), ctx: AppContext = Depends(app_context)
) -> dict:
    """What the line sends for this reply now, what the packs shipped, and every version, newest first."""
    return _shown(ctx, staff, key)


_CHECKED: dict[int | str, dict[str, Any]] = {
    422: {"model": CheckRefusal | Refusal, "description": "the draft fails the content check, or bad input"}
}


@router.post("/{key}", responses=_CHECKED)
def publish_wording(
    body: Draft,
    key: str = Key,
    staff: Staff = Depends(require_admin),
    ctx: AppContext = Depends(app_context),
) -> Any:
    """Publish a new version: checked as `smsbot content check` would; the line sends it at once."""
    if any(len(parts) > MAX_PARTS for parts in body.texts.values()):
        return JSONResponse({"detail": "A reply has at most a few parts."}, status_code=422)
    try:
        with ctx.db.transaction() as conn:
            editing.publish_languages(
                conn,
                _actor(staff),
                ctx.clock.now(),
                key=key,
                texts=body.texts,
                packs=_packs(ctx),
                base_version=body.base_version,
            )
    except editing.WordingRefused as err:
        problems = [{"field": field, "message": message} for field, message in err.problems]
        return JSONResponse({"detail": err.message, "problems": problems}, status_code=422)
    published.for_database(ctx.settings.database_url).changed()
    return _shown(ctx, staff, key)


@router.post("/{key}/rollback")
def roll_back_wording(
    body: RollBack,
    key: str = Key,
    staff: Staff = Depends(require_admin),
    ctx: AppContext = Depends(app_context),
) -> dict:
    """Bring an earlier version back, as a new version (audited like a publication)."""
    packs = _packs(ctx)
    with ctx.db.transaction() as conn:
        found, _ = editing.current(conn, _actor(staff), packs, key)
        latest = found[0].number if found else 0
        editing.roll_back(
            conn,
            _actor(staff),
            ctx.clock.now(),
            key=key,
            to_version=body.to_version,
            base_version=latest if body.base_version is None else body.base_version,
            packs=packs,
            languages=tuple(body.languages) if body.languages else editing.LANGUAGES,
        )
    published.for_database(ctx.settings.database_url).changed()
    return _shown(ctx, staff, key)
