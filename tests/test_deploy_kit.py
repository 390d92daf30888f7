"""The deployment kit (deploy/) agrees with the app: every setting the app reads is in the
environment file, and nginx refuses exactly the bodies the app refuses. The kit itself runs
end to end in deploy/test/e2e.sh (CI)."""

import ast
import re
from pathlib import Path

from app.config import from_environment

ROOT = Path(__file__).resolve().parents[1]
ENV_EXAMPLE = ROOT / "deploy" / "civic-day.env.example"
#: read by the systemd units and deploy/backup.sh, not by the app
KIT_ONLY = {"BIND_ADDRESS", "WEB_WORKERS", "WEB_THREADS", "BACKUP_DIR", "BACKUP_KEEP"}


def variables_the_app_reads():
    """Names passed to os.environ.get(...) or _bool(...) in app/config.py."""
    tree = ast.parse((ROOT / "app" / "config.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        first = node.args[0]
        if called in {"get", "_bool"} and isinstance(first, ast.Constant):
            names.add(first.value)
    return names


def variables_in_the_example():
    lines = ENV_EXAMPLE.read_text().splitlines()
    return {m[1] for line in lines if (m := re.match(r"([A-Z_]+)=", line))}


def test_the_environment_file_names_every_setting_and_nothing_else():
    read = variables_the_app_reads()
    assert {"SECRET_KEY", "DATABASE_URL", "MAIL_TIMEOUT", "TRUSTED_PROXY_COUNT"} <= read
    assert variables_in_the_example() == read | KIT_ONLY


def test_each_setting_has_a_comment_above_it():
    lines = ENV_EXAMPLE.read_text().splitlines()
    for number, line in enumerate(lines):
        if re.match(r"[A-Z_]+=", line):
            above = lines[:number]
            while above and re.match(r"[A-Z_]+=", above[-1]):
                above.pop()  # a group of related settings shares one comment
            assert above and above[-1].startswith("# "), line


def test_nginx_refuses_the_bodies_the_app_refuses(tmp_path):
    conf = (ROOT / "deploy" / "nginx" / "civic-day.conf").read_text()
    size = re.search(r"^\s*client_max_body_size (\d+)([km]?);", conf, re.MULTILINE)
    factor = {"": 1, "k": 1024, "m": 1024 * 1024}[size[2]]
    assert int(size[1]) * factor == from_environment(str(tmp_path))["MAX_CONTENT_LENGTH"]
