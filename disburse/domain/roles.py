"""Roles (SPEC §1, §6) and jurisdiction.

A user has one role and one region; it sees what lies in its region's subtree.
Regions carry a materialised path (``/650000/652900/652929/``), so "inside the
jurisdiction" is a prefix test.
"""

from enum import StrEnum


class Role(StrEnum):
    COMMERCE = "commerce"
    FINANCE = "finance"
    LEADER = "leader"
    SUPERVISOR = "supervisor"
    INSPECTOR = "inspector"
    CONTRACTOR = "contractor"
    ADMIN = "admin"


#: Roles that read projects in their jurisdiction. Admin manages users only (SPEC §1).
PROJECT_READERS = frozenset(
    {Role.COMMERCE, Role.FINANCE, Role.LEADER, Role.SUPERVISOR, Role.INSPECTOR, Role.CONTRACTOR}
)


def within(path: str, jurisdiction_path: str) -> bool:
    """Is the region with ``path`` inside the subtree whose root has ``jurisdiction_path``?"""
    return path.startswith(jurisdiction_path)
