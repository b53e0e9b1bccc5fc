"""Server-rendered pages: one module per area, each view calling the core (services, selectors)."""
