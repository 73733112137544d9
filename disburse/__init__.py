"""disburse — county e-commerce demonstration projects from plan to final audit.

The package follows SPEC §3: plain domain (``domain/``), use cases with a unit of
work (``services/``), infrastructure (``adapters/``), thin Flask blueprints
(``api/``, ``web/``) and click commands (``cli.py``). The state machines live as
data in ``workflows/`` and the rule sets in ``config/rules/``.
"""

from disburse.app import create_app

__all__ = ["create_app"]
