"""Drug-supply alerts (issue 13): subscribe by ZIP, anonymous reports, peer review, area broadcasts.

Texter side: conversation.py (ALERTS, STOP ALERTS, REPORT, replies to an alert). Staff side, as service
functions every door calls: review.py (the report queue), alerts.py (drafts), sending.py (check,
preview, approve, send, cancel, progress), numbers.py. The worker's step: broadcast.py.
"""
