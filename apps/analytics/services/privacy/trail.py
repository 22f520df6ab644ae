"""The audit row every privacy action writes, and where the action came from."""

from dataclasses import dataclass

from apps.core.models import AuditLog


@dataclass(frozen=True)
class Origin:
    """Where a privacy action was asked from, for its audit row."""

    method: str
    path: str
    ip_address: str | None = None

    @classmethod
    def command(cls, name: str) -> "Origin":
        return cls("CLI", f"manage.py {name}")

    @classmethod
    def service(cls, name: str) -> "Origin":
        """A direct Python call (a shell, another service)."""
        return cls("CALL", f"apps.analytics.services.privacy.{name}")


def record(action, subject, actor, origin: Origin, parameters=None) -> None:
    """Write the audit row of a privacy action by `actor` (None: the system)."""
    AuditLog.objects.create(
        user=actor,
        username=getattr(actor, "username", ""),
        action=action,
        method=origin.method[:8],
        path=origin.path[:512],
        parameters={"user_id": subject.pk, **(parameters or {})},
        object_ids=[str(subject.pk)],
        status_code=200,
        ip_address=origin.ip_address,
    )
