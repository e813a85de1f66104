"""Presence: who is on a ticket right now and whether two agents are about to collide.
Entries are heartbeats that expire, so a closed laptop does not stay "replying" forever."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum


class Activity(str, Enum):
    VIEWING = "VIEWING"
    REPLYING = "REPLYING"


TICKET_TTL = timedelta(seconds=30)
ONLINE_TTL = timedelta(seconds=60)


@dataclass(frozen=True)
class Presence:
    user_id: int
    activity: Activity
    expires_at: datetime


def current(entries: list[Presence], now: datetime) -> list[Presence]:
    """Live entries, one per user (the latest), REPLYING before VIEWING, then by user."""
    latest: dict[int, Presence] = {}
    for entry in entries:
        if entry.expires_at > now and (
            entry.user_id not in latest or entry.expires_at > latest[entry.user_id].expires_at
        ):
            latest[entry.user_id] = entry
    return sorted(latest.values(), key=lambda p: (p.activity is not Activity.REPLYING, p.user_id))


def collisions(entries: list[Presence], *, user_id: int, activity: Activity, now: datetime) -> list[Presence]:
    """Others who are replying, when `user_id` starts to reply too: two answers to one customer."""
    if activity is not Activity.REPLYING:
        return []
    return [p for p in current(entries, now) if p.user_id != user_id and p.activity is Activity.REPLYING]
