"""Pure routing: a text and what we know of the texter → what they mean (an intent)."""

from smsbot.routing.intents import Intent, RouteContext, Routed
from smsbot.routing.router import route

__all__ = ["Intent", "RouteContext", "Routed", "route"]
