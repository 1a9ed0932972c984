"""A chat's row: created on first use, only the fields passed are written, and its title kept for /usage."""

from bot.store import Store


async def test_a_chat_is_created_on_first_use_with_nothing_chosen(store: Store) -> None:
    chat = await store.chats.get(5)
    assert (chat.chat_id, chat.language, chat.engine, chat.draft) == (5, "", None, None)


async def test_update_writes_only_the_fields_passed(store: Store) -> None:
    draft = {"t": [{"tt": 0, "sg": []}], "m": {"title": "Été"}}
    await store.chats.update(5, engine="local", language="fr", draft=draft)
    await store.chats.update(5, language="de")
    chat = await store.chats.get(5)
    assert (chat.engine, chat.language, chat.draft) == ("local", "de", draft)

    await store.chats.update(5, engine=None, draft=None)  # None is a value, not "leave it"
    chat = await store.chats.get(5)
    assert (chat.engine, chat.language, chat.draft) == (None, "de", None)
    await store.chats.update(5)  # nothing passed: nothing written
    assert await store.chats.get(5) == chat


async def test_a_chat_update_leaves_the_cloud_account_alone(store: Store) -> None:
    await store.accounts.update(5, token="nmv_usr_secret", session_id="s1")
    await store.chats.update(5, engine="local", language="en")
    account = await store.accounts.get(5)
    assert (account.token, account.session_id) == ("nmv_usr_secret", "s1")


async def test_seeing_a_chat_again_keeps_its_latest_title(store: Store) -> None:
    await store.chats.see(-100, title="Trip", chat_type="supergroup")
    await store.chats.update(-100, engine="local")
    await store.chats.see(-100, title="Trip 2024", chat_type="supergroup")
    [usage] = await store.usage.report()
    assert (usage.title, usage.chat_type, usage.engine) == ("Trip 2024", "supergroup", "local")


async def test_a_chosen_language_is_kept_apart_from_the_language_last_spoken(store: Store) -> None:
    assert (await store.chats.get(5)).chosen_language is None
    await store.chats.update(5, chosen_language="zh", language="zh")
    await store.chats.update(6, language="en")
    await store.chats.get(7)  # a chat not spoken to yet has no language to read at start-up
    assert (await store.chats.get(5)).chosen_language == "zh"
    assert await store.chats.languages() == {5: "zh", 6: "en"}
    await store.chats.update(5, chosen_language=None)  # /language auto
    assert (await store.chats.get(5)).chosen_language is None
