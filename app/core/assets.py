"""Static files with their content's hash in the URL (``/static/css/site.css?v=3f2a9c1e``),
so browsers keep them a year and still fetch a changed file at once."""

import hashlib
from pathlib import Path

from flask import request

#: a year: the URL changes with the content, so a kept copy is never stale
IMMUTABLE = "public, max-age=31536000, immutable"
_hashes = {}


def content_hash(static_folder, filename):
    """The first 10 hex digits of the file's SHA-256 (remembered per size and mtime)."""
    path = Path(static_folder) / filename
    try:
        stat = path.stat()
    except (OSError, ValueError):
        return None
    key = (filename, stat.st_size, stat.st_mtime_ns)
    if key not in _hashes:
        _hashes[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return _hashes[key]


def init_app(app):
    @app.url_defaults
    def versioned_static(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            digest = content_hash(app.static_folder, values["filename"])
            if digest:
                values["v"] = digest

    @app.after_request
    def cache_versioned(response):
        if request.endpoint == "static" and response.status_code in (200, 304):
            filename = (request.view_args or {}).get("filename", "")
            if request.args.get("v") == content_hash(app.static_folder, filename):
                response.headers["Cache-Control"] = IMMUTABLE
        return response
