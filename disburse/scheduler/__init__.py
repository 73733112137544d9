"""The scheduler process (SPEC §10): one elected leader runs the jobs of :mod:`disburse.services.scheduling`.

``election`` decides which process leads (a PostgreSQL advisory lock, a file lock
on SQLite), ``runner`` is the process itself (``disburse scheduler run``), and
``jobs`` holds the module-level functions APScheduler stores by reference.
"""
