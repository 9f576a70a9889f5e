"""How long ago something happened, in words people read at a glance ("just now", "12 min ago",
"3 h ago", "2 days ago") in the page's language, from the app's injected clock; alerts.js keeps them
current in the page with the same words (js_core.po)."""

from __future__ import annotations

from datetime import datetime

from smsbot.dashboard.i18n import _, ngettext


def ago(when: datetime | None, now: datetime) -> str:
    if when is None:
        return ""
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 60:
        return _("just now")
    if seconds < 3600:
        return _("%(n)s min ago", n=seconds // 60)
    if seconds < 86400:
        return _("%(n)s h ago", n=seconds // 3600)
    return ngettext("%(num)s day ago", "%(num)s days ago", seconds // 86400)
