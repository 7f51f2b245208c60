"""SQLite storage: the only package that speaks SQL."""
