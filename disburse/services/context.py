"""Who acts and from where — carried into every audit entry (SPEC §8)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    id: int | None
    username: str
    role: str
    region_code: str
    region_path: str
    contractor_code: str | None = None
    #: acting under a delegation (代理, issue 21 item 2): the principal whose role and jurisdiction ``role``,
    #: ``region_code`` and ``region_path`` are; ``id`` and ``username`` stay the person acting, ``own_role``
    #: keeps theirs. Both are in the audit entry, and segregation of duties counts both (:attr:`ids`).
    principal_id: int | None = None
    principal_username: str | None = None
    own_role: str | None = None
    #: may the engine choose, for an event, a principal this actor deputises for (the API's default)? The pages
    #: say it with their switch (以 … 的名义办理) instead, so there it is off (:func:`disburse.web.common.actor`)
    implicit_principal: bool = True

    @property
    def ids(self) -> frozenset[int]:
        """Everyone this action counts as: the person acting and, under a delegation, the principal."""
        return frozenset(i for i in (self.id, self.principal_id) if i is not None)

    @property
    def authority_id(self) -> int | None:
        """Whose authority this is: the principal under a delegation, else the person acting."""
        return self.principal_id if self.principal_id is not None else self.id


@dataclass(frozen=True)
class Origin:
    request_id: str | None = None
    client_addr: str | None = None
    lang: str = "zh"


#: The command line acting without a named user (e.g. ``plans import`` without ``--as``).
SYSTEM = Actor(id=None, username="system", role="system", region_code="000000", region_path="/000000/")
