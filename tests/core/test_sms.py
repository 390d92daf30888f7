"""The SMS provider interface against a local server that answers as SMSC.kz does."""

import logging

import pytest

from app.core import sms
from tests.conftest import free_port

PHONE = "+77015550101"


@pytest.fixture
def provider(app, fake_smsc):
    with app.app_context():
        backend = sms.current_provider()
        yield backend
        backend.close()


def test_smsc_gets_the_documented_request_and_its_id_comes_back(provider, fake_smsc):
    result = provider.send(PHONE, "Сіздің жазылымыңыз расталды", reference="outbox-7")
    assert result == sms.ProviderResult(id="outbox-7", accepted=True, cost="11.5")
    [request] = fake_smsc.requests
    assert request["phones"] == PHONE and request["mes"] == "Сіздің жазылымыңыз расталды"
    assert (request["fmt"], request["charset"], request["sender"]) == ("3", "utf-8", "KUN")
    assert request["login"] == "civic-day" and request["psw"] == "s3cret-psw"


def test_a_repeated_request_is_the_same_message(provider, fake_smsc):
    provider.send(PHONE, "text", reference="outbox-8")
    again = provider.send(PHONE, "text", reference="outbox-8")  # error 9 from the provider
    assert again.id == "outbox-8"
    assert len(fake_smsc.messages) == 1


@pytest.mark.parametrize("code", [1, 6, 7, 8])
def test_errors_of_the_message_itself_give_up(provider, fake_smsc, code):
    fake_smsc.mode = ("error", code)
    with pytest.raises(sms.SmsRejected, match=f"SMSC error {code}"):
        provider.send(PHONE, "text", reference="x")


@pytest.mark.parametrize("code", [2, 3, 4])
def test_errors_of_the_account_wait(provider, fake_smsc, code):
    fake_smsc.mode = ("error", code)
    with pytest.raises(sms.SmsUnavailable, match=f"SMSC error {code}"):
        provider.send(PHONE, "text", reference="x")


@pytest.mark.parametrize("mode", ["http500", "garbage", "slow"])
def test_a_provider_in_trouble_means_wait(provider, fake_smsc, mode):
    fake_smsc.mode = mode
    with pytest.raises(sms.SmsUnavailable):
        provider.send(PHONE, "text", reference="x")


def test_connection_refused_means_wait(app, fake_smsc, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_API_URL", f"http://127.0.0.1:{free_port()}/sys/send.php")
    with app.app_context(), pytest.raises(sms.SmsUnavailable, match="ConnectError"):
        sms.current_provider().send(PHONE, "text")


def test_delivery_reports(provider, fake_smsc):
    provider.send(PHONE, "a", reference="r1")
    provider.send(PHONE, "b", reference="r2")
    fake_smsc.states["r2"] = 22  # a wrong number, as the operator found
    assert provider.status("r1", PHONE).state == "delivered"
    assert provider.status("r2", PHONE).state == "failed"
    fake_smsc.states["r1"] = -1
    assert provider.status("r1", PHONE).state == "pending"
    assert provider.status("unknown", PHONE).state == "pending"  # -3: not there yet


def test_the_log_backend_sends_nothing(app, caplog, monkeypatch):
    caplog.set_level(logging.INFO, logger=app.logger.name)
    # Alembic's fileConfig (the test apps migrate in this process) disables existing loggers.
    monkeypatch.setattr(app.logger, "disabled", False)
    monkeypatch.setitem(app.config, "SMS_BACKEND", "log")
    with app.app_context():
        result = sms.current_provider().send(PHONE, "Код ACDE47", reference="5")
    assert result.accepted and result.id == "log-5"
    assert "Код ACDE47" in caplog.text


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("A" * 160, 1),
        ("A" * 161, 2),
        ("A" * 306, 2),
        ("A" * 307, 3),
        ("{" * 80, 1),  # extension characters take two septets
        ("{" * 81, 2),
        ("Я" * 70, 1),
        ("Я" * 71, 2),
        ("Я" * 134, 2),
        ("Я" * 135, 3),
        ("қ" + "A" * 69, 1),  # one Kazakh letter makes the whole text UCS-2
        ("қ" + "A" * 70, 2),
        ("😀" * 35, 1),  # outside the BMP: two UTF-16 units each
        ("😀" * 36, 2),
    ],
)
def test_segments(text, count):
    assert sms.segments(text) == count
