"""The server-rendered pages: one module per area, each calling the core (services, selectors)."""
