"""Pieces every app shares (the lowest layer): it imports no domain app."""
