"""Absolute links (mail, calendar files, downloads) from PUBLIC_BASE_URL, never from the
request's Host header, which a client or a misconfigured proxy can set to anything."""

from urllib.parse import urlsplit

from flask import current_app


def public_url(endpoint, **values):
    """The absolute URL of an endpoint on the public site, e.g. for a link in a mail."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def public_host():
    """The site's host name, e.g. for Message-ID and calendar UIDs."""
    return urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"
