"""Adapters: the database, the rule-set files, the region list — everything outside the domain."""
