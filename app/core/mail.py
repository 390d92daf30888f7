"""Composing mail with Python's e-mail package, which encodes every header once.

Display names in Cyrillic or Kazakh («День гражданских инициатив <office@…>») are encoded
as RFC 2047 words by ``email.headerregistry.Address``; re-encoding an already encoded
header (what Flask-Mail's ``Header(...).encode()`` did) folds it into words that decode
with a stray space.
"""

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app

from .urls import public_host


def sender():
    """(display name, address) of MAIL_DEFAULT_SENDER."""
    name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    return name, address


def _address(name, address):
    local, _at, domain = address.rpartition("@")
    return Address(display_name=name or "", username=local, domain=domain)


def compose(*, to, subject, text, html=None, attachments=()):
    """A message ready for SMTP. ``attachments``: (filename, maintype, subtype, params, data)."""
    message = EmailMessage()
    message["From"] = _address(*sender())
    message["To"] = _address("", to)
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=public_host())
    # RFC 3834: an automatic message; autoresponders should not answer it.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for filename, maintype, subtype, params, data in attachments:
        message.add_attachment(
            data, maintype=maintype, subtype=subtype, filename=filename, params=params
        )
    return message
