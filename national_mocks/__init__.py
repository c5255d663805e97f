"""Mocked national services (population database, national SSO), served on their own.

A small Django project with its own settings (`national_mocks.settings`) and no database:
`uv run python -m national_mocks --port 8001`, or `gunicorn national_mocks.wsgi` in docker.
The portal imports nothing from here: the request signing both sides use is `request_signing`.
"""

SETTINGS_MODULE = "national_mocks.settings"
