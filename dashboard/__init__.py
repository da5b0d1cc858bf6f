"""The Dash web dashboard: `create_app()` in `app.py`, one module per page in `pages/`."""
