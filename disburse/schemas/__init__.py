"""Marshmallow schemas for what comes in: plan documents and event data.

Shared by the API and the command line, so a plan file and a ``POST /projects``
body are validated by the same rules and answer with the same field errors.
"""

from disburse.schemas.errors import flatten_errors

__all__ = ["flatten_errors"]
