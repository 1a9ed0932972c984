"""The send rates Telegram enforces: about one message a second per private chat (short bursts tolerated),
20 a minute per group, 30 a second overall. Crossing one is refused with 429 and ``retry_after`` as
Telegram does (or, when a test asks for counting only, let through), and recorded as a `FloodViolation`
either way.

The fake's clock is not Telegram's: Telegram stamps a request when it reaches its servers, the fake when its
event loop gets to it. A test process busy elsewhere (a render, a garbage collection, other test runs on the
machine) stalls that loop, and requests sent at a good pace are then handled back to back. The fake watches
its own loop (`watch_own_lag`) and gives a send the room its own lateness may have taken from it, so a stall
of the fake is never counted as a flood by the bot.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from dataclasses import dataclass

from tests.fakes.telegram.errors import too_many_requests
from tests.fakes.telegram.limits import MESSAGE_METHODS
from tests.fakes.telegram.objects import Chat


@dataclass(frozen=True)
class FloodViolation:
    """A send that exceeded a rate the real Bot API enforces (recorded, or refused when enforcing)."""

    chat_id: int | None
    method: str
    rule: str  # "private", "group" or "overall"
    at: float
    detail: str


TICK_SECONDS = 0.02  # how often the fake looks at its own loop
LAG_MEMORY_SECONDS = 5.0  # how long a stall still widens the check: a rate is judged over up to a few seconds


class RateCheck:
    """Counts the bot's sends per chat and overall against Telegram's rates (see the module docstring)."""

    def __init__(self) -> None:
        self.violations: list[FloodViolation] = []
        self._lags: deque[tuple[float, float]] = deque()  # (when, how late the loop was)
        self._last_tick: float | None = None
        self.configure()

    async def watch_own_lag(self) -> None:
        """Run for the fake's life: notes how late its event loop wakes up (see the module docstring)."""
        while True:
            before = time.monotonic()
            self._last_tick = before
            await asyncio.sleep(TICK_SECONDS)
            after = time.monotonic()
            self._lags.append((after, max(0.0, after - before - TICK_SECONDS)))
            while self._lags and after - self._lags[0][0] > LAG_MEMORY_SECONDS:
                self._lags.popleft()

    def own_lag(self, now: float) -> float:
        """The most the fake's loop was late lately, a stall still going on included: by how much a send's
        stamp may be later than its arrival."""
        noted = max((lag for at, lag in self._lags if now - at <= LAG_MEMORY_SECONDS), default=0.0)
        ongoing = now - self._last_tick - TICK_SECONDS if self._last_tick is not None else 0.0
        return max(0.0, noted, ongoing)

    def configure(
        self,
        enabled: bool = True,
        *,
        enforce: bool = True,
        private_per_second: float = 1.0,
        private_burst: int = 3,
        group_per_minute: int = 20,
        overall_per_second: int = 30,
        count_edits: bool = False,
    ) -> None:
        """Set the rules and start counting afresh (violations already recorded are kept)."""
        self.enabled = enabled
        self.enforce = enforce
        self.private_rate = private_per_second
        self.private_burst = float(private_burst)
        self.group_per_minute = group_per_minute
        self.overall_per_second = overall_per_second
        self.count_edits = count_edits
        self._private_tokens: dict[int, tuple[float, float]] = {}  # chat -> (tokens, when last counted)
        self._group_sends: dict[int, deque[float]] = {}
        self._all_sends: deque[float] = deque()

    def check(self, method: str, chat: Chat) -> None:
        """Count one send of ``method`` to ``chat``; raises a 429 answer when enforcing and a rate is crossed."""
        counted = method in MESSAGE_METHODS or (self.count_edits and method.startswith("edit"))
        if not self.enabled or not counted:
            return
        now = time.monotonic()
        lag = self.own_lag(now)
        violations: list[FloodViolation] = []
        waits: list[float] = []
        while self._all_sends and now - self._all_sends[0] >= 1.0:
            self._all_sends.popleft()
        if len(self._all_sends) >= self.overall_per_second + math.floor(lag * self.overall_per_second):
            waits.append(1.0 - (now - self._all_sends[0]))
            violations.append(
                FloodViolation(chat.id, method, "overall", now, f"more than {self.overall_per_second} messages in 1 s")
            )
        if chat.is_group:
            sends = self._group_sends.setdefault(chat.id, deque())
            while sends and now - sends[0] >= 60.0:
                sends.popleft()
            if len(sends) >= self.group_per_minute + math.floor(lag * self.group_per_minute / 60.0):
                waits.append(60.0 - (now - sends[0]))
                violations.append(
                    FloodViolation(chat.id, method, "group", now, f"more than {self.group_per_minute} messages in 60 s")
                )
        else:
            tokens, last = self._private_tokens.get(chat.id, (self.private_burst, now))
            tokens = min(self.private_burst, tokens + (now - last) * self.private_rate)
            if tokens + lag * self.private_rate < 1.0:
                waits.append((1.0 - tokens) / self.private_rate)
                violations.append(
                    FloodViolation(
                        chat.id,
                        method,
                        "private",
                        now,
                        f"faster than {self.private_rate:g}/s beyond a burst of {self.private_burst:g}",
                    )
                )
            else:
                tokens -= 1.0
            self._private_tokens[chat.id] = (tokens, now)
        self.violations.extend(violations)
        if violations and self.enforce:
            raise too_many_requests(max(1, math.ceil(max(waits))))
        self._all_sends.append(now)
        if chat.is_group:
            self._group_sends[chat.id].append(now)
