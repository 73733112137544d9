"""The bench's WSGI app: the product app plus one trivial JSON endpoint, for the bench only.

``gunicorn bench.wsgi_bench:app`` with ``DISBURSE_DATABASE_URL`` and ``DISBURSE_SECRET_KEY`` set.
``GET /bench/ping`` answers ``{"ok": true}`` through the product's app and hooks: the bench polls it
to know the server is up, and ``bench.profile_request`` times it. It is not the HTTP baseline, which
is the bare Flask app of :mod:`bench.hello_app`, outside the product.
"""

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from disburse.app import create_app

bench = Blueprint("bench", __name__)


@bench.get("/bench/ping")
def ping() -> ResponseReturnValue:
    return jsonify(ok=True)


app = create_app()
app.register_blueprint(bench)
