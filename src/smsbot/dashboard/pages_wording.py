"""The Wording pages (admins): every reply as the line sends it, and an editor for one reply (English and
Spanish side by side) that shows segments, encoding and reading grade as you type (a JSON check, or
the Check button without script), publishes a new version or brings an earlier one back.

The pages call replies/editing.py (the service: rules, checks, one audit row); the line uses a new
version at once in this process and within seconds in every other (replies/published.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import JSONResponse, Response

from smsbot.actor import Actor, Door
from smsbot.auth.access import PageError, admin_only, verified_form
from smsbot.auth.security import protect
from smsbot.auth.sessions import Viewer
from smsbot.dashboard import i18n, wording_view
from smsbot.dashboard.forms import FormErrors
from smsbot.dashboard.i18n import N_, _
from smsbot.dashboard.web import language_for, redirect, render
from smsbot.errors import DomainError
from smsbot.replies import drafts, editing, published
from smsbot.replies.checker import check_packs
from smsbot.replies.said import told
from smsbot.replies.wording import LANGUAGES, Pack, load_packs

router = APIRouter(include_in_schema=False)
DONE = {
    "published": N_("Published. The line sends this wording from now on."),
    "rolled-back": N_("Brought back. The line sends this wording from now on."),
}


def _packs(request: Request) -> dict[str, Pack]:
    return load_packs(request.app.state.ctx.settings.wording_dir)


def _known(packs: dict[str, Pack], key: str) -> str:
    if len(key) > 64 or any(key not in packs[language].entries for language in LANGUAGES):
        raise PageError(404, N_("There is no reply with this name. Choose one on the Wording page."))
    return key


def _draft(packs: dict[str, Pack], key: str, form: FormData) -> drafts.Texts:
    texts = {}
    for language in LANGUAGES:
        count = len(packs[language].entries[key].parts)
        values = [form.get(drafts.field_name(language, index)) for index in range(count)]
        texts[language] = tuple(value if isinstance(value, str) else "" for value in values)
    return texts


def _base(form: FormData) -> int:
    value = form.get("base_version")
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 9 else -1


@router.get("/wording")
def wording_page(request: Request, q: str = "", viewer: Viewer = Depends(admin_only)) -> Response:
    i18n.use(language_for(request, viewer))  # before any words are made, not only at render
    packs = _packs(request)
    ctx = request.app.state.ctx
    with ctx.db.transaction() as conn:
        overrides = published.current_texts(conn)
        latest = editing.latest_numbers(conn)
    in_use = wording_view.with_overrides(packs, overrides)
    problems, _notes = check_packs(in_use)
    problems = [told(problem, _) for problem in problems]
    return render(
        request,
        "wording.html",
        rows=wording_view.rows(in_use, problems, latest, q[:100]),
        problems=problems,
        versions={language: packs[language].version for language in LANGUAGES},
        languages=LANGUAGES,
        language_names=drafts.LANGUAGE_NAMES,
        q=q[:100],
    )


def _editor(
    request: Request,
    packs: dict[str, Pack],
    key: str,
    *,
    texts: drafts.Texts | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
    done: str | None = None,
) -> Response:
    with request.app.state.ctx.db.transaction() as conn:
        view = wording_view.editor(conn, packs, key, texts)
    errors = errors if errors is not None else FormErrors()
    return render(request, "wording_edit.html", status_code=status_code, errors=errors, done=done, **view)


@router.get("/wording/{key}")
def edit_page(request: Request, key: str, done: str = "", viewer: Viewer = Depends(admin_only)) -> Response:
    i18n.use(language_for(request, viewer))  # before any words are made, not only at render
    packs = _packs(request)
    return _editor(request, packs, _known(packs, key), done=DONE.get(done))


@router.post("/wording/{key}")
def edit_submit(
    request: Request, key: str, viewer: Viewer = Depends(admin_only), form: FormData = Depends(verified_form)
) -> Response:
    """ "Check" shows what the checker says about the draft; "Publish" makes it the line's wording."""
    i18n.use(language_for(request, viewer))  # before any words are made, not only at render
    packs = _packs(request)
    key = _known(packs, key)
    texts = _draft(packs, key, form)
    if form.get("action") != "publish":
        report = drafts.check(packs, key, texts)
        errors = wording_view.translated(report.problems)
        return _editor(request, packs, key, texts=texts, errors=errors, status_code=422 if errors else 200)
    ctx = request.app.state.ctx
    actor = Actor.of_staff(viewer.staff, Door.PAGE)
    try:
        with ctx.db.transaction() as conn:
            editing.publish(
                conn, actor, ctx.clock.now(), key=key, texts=texts, base_version=_base(form), packs=packs
            )
    except editing.WordingRefused as err:
        errors = wording_view.translated(err.problems)
        return _editor(request, packs, key, texts=texts, errors=errors, status_code=422)
    except DomainError as err:
        errors = FormErrors.from_domain(err, is_admin=True)
        return _editor(request, packs, key, texts=texts, errors=errors, status_code=err.status)
    published.for_database(ctx.settings.database_url).changed()
    return redirect(f"/wording/{key}?done=published")


@router.post("/wording/{key}/roll-back")
def roll_back(
    request: Request, key: str, viewer: Viewer = Depends(admin_only), form: FormData = Depends(verified_form)
) -> Response:
    i18n.use(language_for(request, viewer))  # before any words are made, not only at render
    packs = _packs(request)
    key = _known(packs, key)
    to = form.get("to_version")
    to_version = int(to) if isinstance(to, str) and to.isdigit() and len(to) < 9 else -1
    ctx = request.app.state.ctx
    actor = Actor.of_staff(viewer.staff, Door.PAGE)
    try:
        with ctx.db.transaction() as conn:
            editing.roll_back(
                conn,
                actor,
                ctx.clock.now(),
                key=key,
                to_version=to_version,
                base_version=_base(form),
                packs=packs,
            )
    except DomainError as err:
        errors = FormErrors.from_domain(err, is_admin=True)
        return _editor(request, packs, key, errors=errors, status_code=err.status)
    published.for_database(ctx.settings.database_url).changed()
    return redirect(f"/wording/{key}?done=rolled-back")


@router.post("/wording/{key}/check")
def check_json(
    request: Request, key: str, viewer: Viewer = Depends(admin_only), form: FormData = Depends(verified_form)
) -> Response:
    """The live check of the editor's script: the same report as the Check button, as JSON (in the
    staff member's language)."""
    i18n.use(language_for(request, viewer))  # before any words are made, not only at render
    packs = _packs(request)
    key = _known(packs, key)
    report = drafts.check(packs, key, _draft(packs, key, form))
    return protect(JSONResponse(wording_view.report_json(report)))
