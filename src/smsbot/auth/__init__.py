"""Who the staff are, proven: sessions, sign-in, API tokens, TOTP, CSRF, the route policy, id bounds."""
