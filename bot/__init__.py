"""Jourbot: intake and follow-up for crime-victim support associations."""
