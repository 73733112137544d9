"""disburse — county e-commerce demonstration projects from plan to final audit.

The package follows SPEC §3 and docs/architecture.md: plain domain (``domain/``, no Flask, no
SQLAlchemy), use cases with a unit of work (``services/``), infrastructure (``adapters/``), thin Flask
blueprints (``api/``, ``web/``) and click commands (``cli.py``); the app is built by
``disburse.app.create_app``. The state machines live as data in ``workflows/`` and the rule sets in
``config/rules/``. This file defines nothing and imports nothing, so ``import disburse.domain.money``
loads the domain alone.
"""
