"""Staff accounts (peers and admins): creation, credentials, the on-call peer."""
