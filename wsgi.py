"""WSGI entry point: ``gunicorn wsgi:app`` (SPEC §3)."""

from disburse.app import create_app

app = create_app()
