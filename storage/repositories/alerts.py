"""Deadline alerts decided but not yet delivered (bot.supervision sends and drops them)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AlertAudience, AlertKind, PendingAlert, Ticket


async def queue_alert(
    session: AsyncSession,
    *,
    ticket_id: int,
    kind: AlertKind,
    audience: AlertAudience,
    at: datetime | None = None,
) -> None:
    """Keep an alert about a ticket for `audience` until it is delivered or dropped; once: one
    of its kind already waiting (a first response's overdue alert Telegram could not take
    yet, when second line's deadline passes too) stands for it, drawn as of when it goes."""
    waiting = await session.scalar(
        select(PendingAlert.id).where(
            PendingAlert.ticket_id == ticket_id,
            PendingAlert.kind == kind,
            PendingAlert.audience == audience,
        )
    )
    if waiting is not None:
        return
    alert = PendingAlert(ticket_id=ticket_id, kind=kind, audience=audience)
    if at is not None:
        alert.created_at = at
    session.add(alert)
    await session.flush()


async def pending_alerts(session: AsyncSession, *, limit: int) -> list[tuple[PendingAlert, Ticket]]:
    """Return up to `limit` undelivered alerts with their tickets, oldest first.

    The alerts of an open ticket whose customer has blocked the bot wait until they are back
    (no reply could reach them; the overdue lists leave them out too), and do not hold up
    the others meanwhile."""
    stmt = (
        select(PendingAlert, Ticket)
        .join(Ticket, Ticket.id == PendingAlert.ticket_id)
        .where(or_(Ticket.customer_blocked.is_(False), Ticket.status == "closed"))
        .order_by(PendingAlert.id)
        .limit(limit)
    )
    return [(alert, ticket) for alert, ticket in (await session.execute(stmt)).tuples()]


async def drop_alerts(session: AsyncSession, ids: Iterable[int]) -> None:
    """Forget the alerts with these ids (delivered, refused or no longer true)."""
    wanted = list(ids)
    if wanted:
        await session.execute(delete(PendingAlert).where(PendingAlert.id.in_(wanted)))
