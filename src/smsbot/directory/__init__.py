"""Where to go: services, their importers, ZIP geography and the nearest search."""
