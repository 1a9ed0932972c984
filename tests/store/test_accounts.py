"""The cloud account of a chat: only its own table module and the cloud engine hold the credentials, and no
row the core handles carries one."""

import dataclasses

import pytest

from bot.store import ChatRow, ChatUsage, CloudAccount, RenderRow, Store, UploadRow


async def test_an_account_is_written_field_by_field_and_read_back(store: Store) -> None:
    assert await store.accounts.get(5) == CloudAccount(5, None, None, None, None, None, None)  # not set up yet
    await store.accounts.update(5, client_id="c-1", token="nmv_usr_t", token_expires_at="2030-01-01T00:00:00Z",
                                user_id="anon_1")
    await store.accounts.update(5, session_id="s1", task_id="t1")
    await store.accounts.update(5, token=None)
    account = await store.accounts.get(5)
    assert (account.chat_id, account.client_id, account.token, account.token_expires_at) == (
        5, "c-1", None, "2030-01-01T00:00:00Z")
    assert (account.user_id, account.session_id, account.task_id) == ("anon_1", "s1", "t1")


async def test_an_unknown_account_field_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="nemo_user_id"):
        await store.accounts.update(5, nemo_user_id="anon_1")  # the column's name is not the field's
    with pytest.raises(ValueError):
        await store.accounts.update(5, language="en")  # a chat's, not the account's


async def test_the_token_and_client_id_never_show_in_an_accounts_repr(store: Store) -> None:
    await store.accounts.update(5, token="nmv_usr_secretsecretsecret", client_id="client-secret-uuid",
                                session_id="s1")
    account = await store.accounts.get(5)
    assert account.token == "nmv_usr_secretsecretsecret" and account.client_id == "client-secret-uuid"
    assert "secret" not in repr(account) and "secret" not in str(account)
    assert "s1" in repr(account)


@pytest.mark.parametrize("row_type", [ChatRow, UploadRow, RenderRow, ChatUsage])
def test_no_row_the_core_sees_carries_a_credential(row_type: type) -> None:
    names = {field.name for field in dataclasses.fields(row_type)}
    assert not {name for name in names if "token" in name or "client" in name or "session" in name}


async def test_a_chats_row_does_not_hold_its_token(store: Store) -> None:
    await store.accounts.update(5, token="nmv_usr_secretsecretsecret", client_id="client-secret-uuid")
    chat = await store.chats.get(5)
    assert "secret" not in repr(chat) and "secret" not in repr(dataclasses.astuple(chat))
