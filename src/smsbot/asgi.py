"""The ASGI entry point uvicorn loads in each web process (`smsbot serve`)."""

from smsbot.app import create_app
from smsbot.config import get_settings
from smsbot.observability import setup_logging

setup_logging(get_settings().log_level)
app = create_app()
