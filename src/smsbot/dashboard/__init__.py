"""The browser side for staff: the pages, their charts and queries, templates and static files."""
