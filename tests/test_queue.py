"""The job queue on a real PostgreSQL: what reaches procrastinate's table when the bot queues a render."""

from __future__ import annotations

import psycopg

from bot.queue import RENDERS, UPDATES, JobQueue
from bot.store import Store


def waiting_followers(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT args->>'render_id', queue_name FROM procrastinate_jobs"
            " WHERE task_name = 'follow_render' AND status = 'todo' ORDER BY id").fetchall()
    return [(str(render_id), str(queue)) for render_id, queue in rows]


async def test_a_render_waiting_for_its_follower_is_not_queued_twice(postgres_url: str) -> None:
    store = await Store.open(postgres_url)
    try:
        async with JobQueue(postgres_url, store) as queue:
            await queue.queue_render("r1", {"t": []}, here=True)  # its /export
            await queue.queue_render("r1", None, here=True)  # a new reader's resume while that job waits
            await queue.queue_render("r2", None, here=False)  # a cloud render: waiting, not work
            assert waiting_followers(postgres_url) == [("r1", RENDERS), ("r2", UPDATES)]
    finally:
        await store.close()
