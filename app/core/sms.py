"""SMS providers behind one interface: ``send(phone_e164, text) -> ProviderResult`` and
``status(id) -> Report``, the backend chosen by ``SMS_BACKEND`` (``log`` | ``smsc``).

A provider's answer is sorted into three outcomes the outbox acts on:
- accepted (a ``ProviderResult``): the message is the provider's now;
- ``SmsRejected``: this message can never go (a bad number, a forbidden text): give up and
  show it to the office;
- ``SmsUnavailable``: the provider cannot take messages now (down, slow, 5xx, an answer that
  is not JSON, no money, a blocked address or login): the message waits with back-off, and
  so do the other SMS of the batch — mail is not touched.

Adding a provider is one class registered with ``@provider("name")``.
Also here: segment counting (GSM-7 or UCS-2), which decides what a text costs.
"""

import logging
import math
import uuid
from dataclasses import dataclass

import httpx
from flask import current_app

log = logging.getLogger(__name__)

PROVIDERS = {}

#: the provider's own send endpoint (DESIGN §7: SMS_API_URL is the full URL)
SMSC_URL = "https://smsc.kz/sys/send.php"


@dataclass(frozen=True)
class ProviderResult:
    """The provider took the message: its id (for delivery reports) and the cost if told."""

    id: str
    accepted: bool = True
    cost: str | None = None


@dataclass(frozen=True)
class Report:
    """A delivery report: ``pending`` (not final yet), ``delivered`` or ``failed``."""

    state: str
    detail: str = ""


class SmsError(Exception):
    """A provider refused or could not be asked; ``str()`` says why, for the office."""


class SmsRejected(SmsError):
    """This message will never be accepted: give up, never retry."""


class SmsUnavailable(SmsError):
    """The provider cannot take messages now: try again later, after a back-off."""


def provider(name):
    def register(cls):
        PROVIDERS[name] = cls
        return cls

    return register


def current_provider():
    name = current_app.config.get("SMS_BACKEND", "log")
    try:
        return PROVIDERS[name](current_app.config)
    except KeyError:
        raise SmsUnavailable(f"unknown SMS_BACKEND {name!r}") from None


@provider("log")
class LogProvider:
    """Development and ``make run``: the text goes to the log (and stays in the outbox
    row); nothing leaves the machine. Every message counts as delivered."""

    def __init__(self, config):
        self.config = config

    def send(self, phone, text, *, reference=None):
        current_app.logger.info("SMS to %s (%d segments): %s", phone, segments(text), text)
        return ProviderResult(id=f"log-{reference or uuid.uuid4().hex}")

    def status(self, message_id, phone):
        return Report("delivered")

    def close(self):
        pass


# --- SMSC.kz ------------------------------------------------------------------------------

#: send.php's error codes (fmt=3: {"error": "…", "error_code": N}). 1 parameters, 5 date
#: format, 6 forbidden text or sender, 7 bad number, 8 cannot be delivered to that number:
#: the message itself is wrong — give up. 2 login or password (or an address not allowed),
#: 3 no money, 4 address blocked for frequent errors: the account cannot send now — wait,
#: the office must act. 9 is "the same request again within a minute": the first one went
#: through, so this message is the provider's already.
SMSC_GIVE_UP = {1, 5, 6, 7, 8}
SMSC_WAIT = {2, 3, 4}
SMSC_DUPLICATE = 9
#: status.php's states: -3 not found (yet), -1 waiting, 0 with the operator, 1 delivered,
#: 2 read, 3 expired, 4 link followed, 20 undeliverable, 22 bad number, 23 forbidden,
#: 24 no money, 25 number unavailable.
SMSC_DELIVERED = {1, 2, 4}
SMSC_FAILED = {3, 20, 22, 23, 24, 25}


@provider("smsc")
class SmscProvider:
    """SMSC.kz's HTTP API: ``send.php`` with ``fmt=3`` (JSON), ``charset=utf-8``, a POST so
    the password stays out of access logs. ``SMS_LOGIN`` empty means ``SMS_PASSWORD`` is an
    API key. Each message carries our own id (``id=``), so the delivery report and a
    repeated request (error 9) point at one message."""

    def __init__(self, config):
        self.url = config.get("SMS_API_URL") or SMSC_URL
        self.login = config.get("SMS_LOGIN") or ""
        self.password = config.get("SMS_PASSWORD") or ""
        self.sender = config.get("SMS_SENDER") or ""
        timeout = float(config.get("SMS_TIMEOUT", 10))
        self.http = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)))

    def _auth(self):
        if self.login:
            return {"login": self.login, "psw": self.password}
        return {"apikey": self.password}

    def _post(self, url, params):
        try:
            response = self.http.post(url, data={**self._auth(), **params, "fmt": "3",
                                                 "charset": "utf-8"})  # fmt: skip
        except httpx.TimeoutException as exc:
            raise SmsUnavailable(f"timeout: {exc!r}") from None
        except httpx.HTTPError as exc:
            raise SmsUnavailable(f"{type(exc).__name__}: {exc}") from None
        if response.status_code >= 400:
            raise SmsUnavailable(f"HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            log.warning("SMSC answered something that is not JSON: %r", response.text[:200])
            raise SmsUnavailable(f"not JSON: {response.text[:100]!r}") from None
        if not isinstance(answer, dict):
            raise SmsUnavailable(f"unexpected answer: {str(answer)[:100]}")
        return answer

    def send(self, phone, text, *, reference=None):
        params = {"phones": phone, "mes": text, "cost": "3"}
        if reference:
            params["id"] = str(reference)
        if self.sender:
            params["sender"] = self.sender
        answer = self._post(self.url, params)
        code = answer.get("error_code")
        if code is None and "id" in answer:
            cost = answer.get("cost")
            return ProviderResult(id=str(answer["id"]), cost=None if cost is None else str(cost))
        error = f"SMSC error {code}: {answer.get('error', '')}".strip()
        if code == SMSC_DUPLICATE and reference:
            return ProviderResult(id=str(reference))
        if code in SMSC_GIVE_UP:
            raise SmsRejected(error)
        raise SmsUnavailable(error)

    def status(self, message_id, phone):
        url = self.url.replace("send.php", "status.php")
        answer = self._post(url, {"phone": phone, "id": message_id})
        if "error_code" in answer:
            raise SmsUnavailable(f"SMSC error {answer['error_code']}: {answer.get('error', '')}")
        state = answer.get("status")
        if state in SMSC_DELIVERED:
            return Report("delivered", f"status {state}")
        if state in SMSC_FAILED:
            return Report("failed", f"status {state}, err {answer.get('err', '')}")
        return Report("pending", f"status {state}")

    def close(self):
        self.http.close()


# --- segments -----------------------------------------------------------------------------

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: written as ESC + a character: two septets each
GSM7_EXTENDED = set("^{}\\[~]|€\f")


def is_gsm7(text):
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def length(text):
    """The units a text takes: septets in GSM-7, UTF-16 code units in UCS-2."""
    if is_gsm7(text):
        return sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text):
    """How many SMS a text is sent as: GSM-7 160 (153 each when split), otherwise UCS-2 —
    any Cyrillic or Kazakh letter — 70 (67 each when split)."""
    units = length(text)
    single, part = (160, 153) if is_gsm7(text) else (70, 67)
    if units <= single:
        return 1
    return math.ceil(units / part)
