"""The Wording page (admins): every reply in both languages, with its encoding, segment count and the
problems `smsbot content check` reports (the checker itself runs).
"""

from __future__ import annotations

from string import Formatter

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from smsbot.auth.access import admin_only
from smsbot.auth.sessions import Viewer
from smsbot.dashboard.web import render
from smsbot.replies.checker import DEFAULT_SEGMENTS, SAMPLE_VALUES, check_packs
from smsbot.replies.segments import segment_info
from smsbot.replies.wording import LANGUAGES, Pack, load_packs

router = APIRouter(include_in_schema=False)


def _rendered(text: str) -> str | None:
    """The text as a phone would get it, with the checker's sample values (None: it cannot render)."""
    try:
        names = {name for _, name, _, _ in Formatter().parse(text) if name}
        return text.format_map({**{name: "X" * 20 for name in names}, **SAMPLE_VALUES})
    except (ValueError, KeyError, IndexError, AttributeError):
        return None


def _part(language: str, key: str, index: int, text: str, budget: int, problems: list[str]) -> dict:
    rendered = _rendered(text)
    info = segment_info(rendered) if rendered is not None else None
    label = f"{language} {key}[{index}]:"
    return {
        "text": text,
        "encoding": info.encoding if info else "?",
        "units": info.units if info else 0,
        "segments": info.segments if info else 0,
        "budget": budget,
        "over": bool(info and info.segments > budget),
        "problems": [p.removeprefix(label).strip() for p in problems if p.startswith(label)],
    }


def wording_rows(packs: dict[str, Pack], problems: list[str]) -> list[dict]:
    """One row per reply key: each language's parts, with their numbers and problems."""
    keys = list(dict.fromkeys(key for language in LANGUAGES for key in packs[language].entries))
    rows = []
    for key in keys:
        languages = {}
        for language in LANGUAGES:
            entry = packs[language].entries.get(key)
            prefix = f"{language} {key}:"
            own = [p.removeprefix(prefix).strip() for p in problems if p.startswith(prefix)]
            if entry is None:
                languages[language] = {"parts": [], "problems": own or ["missing in this language"]}
                continue
            budget = entry.segments or DEFAULT_SEGMENTS.get(language, 2)
            parts = [_part(language, key, i, text, budget, problems) for i, text in enumerate(entry.parts)]
            languages[language] = {"parts": parts, "problems": own}
        rows.append({"key": key, "languages": languages})
    return rows


@router.get("/wording")
def wording_page(request: Request, viewer: Viewer = Depends(admin_only)) -> Response:
    packs = load_packs(request.app.state.ctx.settings.wording_dir)
    problems, _notes = check_packs(packs)
    return render(
        request,
        "wording.html",
        rows=wording_rows(packs, problems),
        problems=problems,
        versions={language: packs[language].version for language in LANGUAGES},
        languages=LANGUAGES,
    )
