"""The send rates Telegram enforces: about one message a second per private chat (short bursts tolerated),
20 a minute per group, 30 a second overall. Crossing one is refused with 429 and ``retry_after`` as
Telegram does (or, when a test asks for counting only, let through), and recorded as a `FloodViolation`
either way."""

from __future__ import annotations

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


class RateCheck:
    """Counts the bot's sends per chat and overall against Telegram's rates (see the module docstring)."""

    def __init__(self) -> None:
        self.violations: list[FloodViolation] = []
        self.configure()

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
        violations: list[FloodViolation] = []
        waits: list[float] = []
        while self._all_sends and now - self._all_sends[0] >= 1.0:
            self._all_sends.popleft()
        if len(self._all_sends) >= self.overall_per_second:
            waits.append(1.0 - (now - self._all_sends[0]))
            violations.append(
                FloodViolation(chat.id, method, "overall", now, f"more than {self.overall_per_second} messages in 1 s")
            )
        if chat.is_group:
            sends = self._group_sends.setdefault(chat.id, deque())
            while sends and now - sends[0] >= 60.0:
                sends.popleft()
            if len(sends) >= self.group_per_minute:
                waits.append(60.0 - (now - sends[0]))
                violations.append(
                    FloodViolation(chat.id, method, "group", now, f"more than {self.group_per_minute} messages in 60 s")
                )
        else:
            tokens, last = self._private_tokens.get(chat.id, (self.private_burst, now))
            tokens = min(self.private_burst, tokens + (now - last) * self.private_rate)
            if tokens < 1.0:
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
