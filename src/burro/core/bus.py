"""Event fan-out: every event gets the session id and the next sequence number; any
number of readers subscribe from a sequence number and get a replay (recent events from
memory, older persisted ones from the rollout) followed by the live tail, with no gaps
and no duplicates."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable

from burro.protocol.events import Event, EventEnvelope, ShutdownComplete

# Recent events kept in memory for replay (deltas included); older ones come from the
# rollout, where only the persisted kinds (completed items, turn boundaries) are kept.
DEFAULT_CAPACITY = 20_000


class EventBus:
    def __init__(
        self,
        session_id: str,
        *,
        first_seq: int = 1,
        older: Callable[[int, int], Iterable[EventEnvelope]] | None = None,
        capacity: int = DEFAULT_CAPACITY,
    ) -> None:
        self.session_id = session_id
        self._next = first_seq
        self._first_seq = first_seq
        self._older = older  # (after, before) -> persisted envelopes in that range
        self._recent: deque[EventEnvelope] = deque(maxlen=capacity)
        self._readers: list[asyncio.Queue[EventEnvelope | None]] = []
        self.closed = False

    @property
    def last_seq(self) -> int:
        return self._next - 1

    def publish(self, event: Event) -> EventEnvelope:
        env = EventEnvelope(session_id=self.session_id, seq=self._next, event=event)
        self._next += 1
        self._recent.append(env)
        for q in self._readers:
            q.put_nowait(env)
        if isinstance(event, ShutdownComplete):
            self.close()
        return env

    def close(self) -> None:
        """No more events: every subscription ends after what it has been given."""
        if self.closed:
            return
        self.closed = True
        for q in self._readers:
            q.put_nowait(None)

    def _backlog(self, after: int) -> list[EventEnvelope]:
        recent = list(self._recent)
        start = recent[0].seq if recent else self._next
        out: list[EventEnvelope] = []
        if after + 1 < start and self._older is not None:
            # Older than what memory holds: persisted events from the rollout.
            out.extend(e for e in self._older(after, start) if after < e.seq < start)
        out.extend(e for e in recent if e.seq > after)
        return out

    async def subscribe(self, *, after: int = 0) -> AsyncIterator[EventEnvelope]:
        """Events with ``seq > after``: the replay, then live ones until shutdown."""
        q: asyncio.Queue[EventEnvelope | None] = asyncio.Queue()
        # The backlog is taken and the queue registered with no await in between, so
        # nothing published meanwhile is missed; the seq check drops any overlap.
        backlog = self._backlog(after)
        closed = self.closed
        if not closed:
            self._readers.append(q)
        last = after
        try:
            for env in backlog:
                if env.seq > last:
                    last = env.seq
                    yield env
            if closed:
                return
            while True:
                item = await q.get()
                if item is None:
                    return
                if item.seq > last:
                    last = item.seq
                    yield item
        finally:
            if q in self._readers:
                self._readers.remove(q)
