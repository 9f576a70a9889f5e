"""Placeholder until the router lands."""

from smsbot.routing.intents import Intent, RouteContext, Routed


def route(text: str, ctx: RouteContext) -> Routed:
    return Routed(Intent.UNKNOWN)
