"""The layers of DESIGN.md §4 point one way, lowest first:

    core ← places ← auth ← days ← bookings ← {reception, districts} ← queue ← registry
         ← {office, api} ← dev

A package imports only from packages to its left (never from a sibling on its own level):
every ``import`` and ``from … import`` under app/ — at module level and inside functions —
is read and checked, so the rule stays true. ``app/__init__.py`` wires everything together
and may import any package; ``app.extensions`` and ``app.config`` sit below ``core``.
"""

import ast
from pathlib import Path

import pytest

LAYERS = [
    {"extensions", "config"},
    {"core"},
    {"places"},
    {"auth"},
    {"days"},
    {"bookings"},
    {"reception", "districts"},
    {"queue"},
    {"registry"},
    {"office", "api"},
    {"dev"},
]
LEVEL = {package: level for level, packages in enumerate(LAYERS) for package in packages}
APP = Path(__file__).resolve().parents[1] / "app"


def package_of(module):
    """``app.bookings.services`` → ``bookings``; ``app`` itself → None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "app" else None


def imports_of(path):
    """(line, imported module) of every import in a file, relative ones resolved."""
    here = ".".join(path.relative_to(APP.parent).with_suffix("").parts)
    if path.name == "__init__.py":
        here = here.rsplit(".", 1)[0] + ".__init__"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here.split(".")[: -node.level]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield node.lineno, module
            for alias in node.names:  # from app import places → app.places
                if module == "app":
                    yield node.lineno, f"app.{alias.name}"


def sources():
    return sorted(p for p in APP.rglob("*.py") if p != APP / "__init__.py")


def test_every_package_has_a_layer():
    packages = {p.name for p in APP.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in APP.glob("*.py") if p.name != "__init__.py"}
    assert packages | modules <= set(LEVEL), f"no layer for {(packages | modules) - set(LEVEL)}"


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(APP)))
def test_imports_point_down(path):
    own = package_of(".".join(path.relative_to(APP.parent).with_suffix("").parts))
    upward = []
    for line, module in imports_of(path):
        other = package_of(module)
        if other is None or other == own or other not in LEVEL:
            continue
        if LEVEL[other] >= LEVEL[own]:
            upward.append(f"line {line}: {own} imports {module}")
    assert upward == [], f"{path.relative_to(APP)} points up or sideways: {upward}"


def test_the_check_catches_an_upward_import(tmp_path):
    """The reader sees imports inside functions too (what the layering would miss)."""
    fake = APP / "days" / "_layer_probe.py"
    fake.write_text("def f():\n    from app.bookings import services\n", encoding="utf-8")
    try:
        with pytest.raises(AssertionError, match=r"days imports app\.bookings"):
            test_imports_point_down(fake)
    finally:
        fake.unlink()
