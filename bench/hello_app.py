"""The HTTP baseline: a bare Flask app outside the product, no hooks, no database, no session.

``gunicorn bench.hello_app:app``; ``GET /`` answers ``Hello, World!`` as Flask's quickstart does.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
