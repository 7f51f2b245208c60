"""Use cases: load, ask the domain, save, and hand back what to send."""
