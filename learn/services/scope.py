"""Whose data an admin (or an API token) may see: one organisation, or all of them."""

from __future__ import annotations

from dataclasses import dataclass

from learn.models import ApiToken, Person, Role


@dataclass(frozen=True)
class Scope:
    """The organisations a reader may see: ``organisation_id``, or every one when None."""

    organisation_id: int | None

    @property
    def is_all(self) -> bool:
        return self.organisation_id is None

    def allows(self, organisation_id: int | None) -> bool:
        """Return whether a record of ``organisation_id`` is inside this scope."""
        return self.organisation_id is None or self.organisation_id == organisation_id

    def narrow(self, organisation_id: int | None) -> int | None:
        """Return the organisation to filter on: the scope's own, else the one asked for."""
        return self.organisation_id if self.organisation_id is not None else organisation_id

    def conditions(self, organisation_column, organisation_id: int | None = None) -> list:
        """Return the WHERE conditions keeping rows of this scope on ``organisation_column``.

        ``organisation_id`` narrows a scope of every organisation to one; none is needed
        when every organisation is shown.
        """
        org_id = self.narrow(organisation_id)
        return [] if org_id is None else [organisation_column == org_id]


def scope_for(user: Person) -> Scope:
    """Return an admin's scope: platform admins see all, organisation admins their own."""
    if user.role == Role.PLATFORM_ADMIN:
        return Scope(None)
    return Scope(user.organisation_id)


def scope_for_token(token: ApiToken) -> Scope:
    """Return an API token's scope: its organisation, or all when it has none."""
    return Scope(token.organisation_id)
