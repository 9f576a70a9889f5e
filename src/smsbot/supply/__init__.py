"""Drug-supply alerts (issue 13): subscribe by ZIP, anonymous reports, peer review, area broadcasts.

Texter side: conversation.py (ALERTS, STOP ALERTS, REPORT, replies to an alert); staff side: review.py
and alerts.py (service functions the API and dashboard call); the worker: broadcast.py.
"""
