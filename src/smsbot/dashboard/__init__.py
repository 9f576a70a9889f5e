"""The browser and API side for staff: auth, JSON API, pages."""
