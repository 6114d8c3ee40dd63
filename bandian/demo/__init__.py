"""The demo: fixed, seeded data for every app, made only through the apps' public services.

The highest layer: it imports every app, and no app imports it. `manage.py demo` loads the
applications (`applications.py`), the grid and its interruption history (`reliability.py`) and
the approval cases (`permits.py`), each part once.
"""
