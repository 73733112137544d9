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


ROLE_LABELS: dict[Role, tuple[str, str]] = {
    Role.COMMERCE: ("县商务局/电商办", "County commerce bureau"),
    Role.FINANCE: ("县财政局", "County finance bureau"),
    Role.LEADER: ("领导小组", "Leading group"),
    Role.SUPERVISOR: ("市/省商务厅", "City/provincial supervisor"),
    Role.INSPECTOR: ("纪委监委/审计局", "Discipline inspection and audit"),
    Role.CONTRACTOR: ("承办企业", "Contractor"),
    Role.ADMIN: ("系统管理员", "Administrator"),
}

#: Roles that read projects in their jurisdiction. Admin manages users only (SPEC §1).
PROJECT_READERS = frozenset(
    {Role.COMMERCE, Role.FINANCE, Role.LEADER, Role.SUPERVISOR, Role.INSPECTOR, Role.CONTRACTOR}
)


def within(path: str, jurisdiction_path: str) -> bool:
    """Is the region with ``path`` inside the subtree whose root has ``jurisdiction_path``?"""
    return path.startswith(jurisdiction_path)
