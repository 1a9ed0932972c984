import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings, bot_token_problem
from bot.logs import redact

GOOD_TOKEN = "123456789:" + "A" * 35


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_defaults_match_the_design() -> None:
    s = settings()
    assert (s.heartbeat_seconds, s.render_poll_seconds, s.rate_limit_wait_seconds) == (120, 30, 30)
    assert s.stream_timeout_seconds == 900
    assert s.nemo_api_url == "https://mega-api-prod.nemovideo.ai"
    assert s.video_engine == "nemo"


def test_id_lists_accept_commas_and_spaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_USER_IDS", "1, 2 3")
    monkeypatch.setenv("ADMIN_USER_IDS", "")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.allowed_user_ids == {1, 2, 3}
    assert s.admin_user_ids == frozenset()


def test_token_problems_are_one_sentence_without_the_token() -> None:
    assert bot_token_problem(settings(telegram_bot_token=GOOD_TOKEN)) is None
    assert "not set" in str(bot_token_problem(settings()) or "")
    bad = "12345:short-secret-value"
    problem = str(bot_token_problem(settings(telegram_bot_token=bad)) or "")
    assert "BotFather" in problem and bad not in problem


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "does not look like a BotFather token"),
        ({"HEARTBEAT_SECONDS": "soon"}, "HEARTBEAT_SECONDS is not valid"),
        ({"TELEGRAM_BOT_TOKEN": "123456789:" + "A" * 35, "LOG_LEVEL": "loud"}, "LOG_LEVEL is not valid"),
        ({"DEFAULT_LANGUAGE": "klingon"}, "DEFAULT_LANGUAGE is not valid: Value error, the bot speaks en, zh"),
        ({"LANG": "zh_CN.UTF-8"}, "TELEGRAM_BOT_TOKEN 未设置：请向 @BotFather 获取令牌"),  # in the locale's language
    ],
)
def test_the_bot_refuses_to_start_with_one_sentence_and_status_2(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **env}
    result = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env={**clean, "PYTHONPATH": str(Path.cwd())},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_logs_redact_tokens() -> None:
    line = f"POST https://api.telegram.org/bot{GOOD_TOKEN}/getUpdates Bearer nmv_usr_abcdefabcdef123 done"
    cleaned = redact(line, ("my-configured-secret",))
    assert GOOD_TOKEN not in cleaned and "nmv_usr_abcdef" not in cleaned
    assert redact("key my-configured-secret", ("my-configured-secret",)) == "key [redacted]"
