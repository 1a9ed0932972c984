"""The NemoVideo cloud engine, built to `nemo-api.md`.

- `engine`: `NemoEngine`, the Engine port over the cloud: credentials and sessions, the retry policy,
  uploads, the SSE turn, state, credits and renders;
- `http`: how an HTTP answer is read (a result, a retry the engine can cure once, or a typed error);
- `models`: the cloud's response bodies, read leniently;
- `stream`: the `/run_sse` events turned into stream events;
- `gui`: the cloud answers as if the user sat in its web editor ("click Export"); this translates that into
  what the chat can do instead, so the core shows the engine's text as it is.
"""

from bot.engines.nemo.engine import NemoEngine

__all__ = ["NemoEngine"]
