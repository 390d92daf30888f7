"""Reading pages in tests: what is wrong with their structure, which option a select shows."""

from html.parser import HTMLParser


class PageChecker(HTMLParser):
    """Collects what the page's ids, references and required selects look like."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = []
        self.label_targets = []
        self.aria_refs = []
        self.selects = {}  # name → [(value, selected)]; value None: an option without one
        self.required_selects = []
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id") is not None:
            self.ids.append(attrs["id"])
        if tag == "label" and attrs.get("for") is not None:
            self.label_targets.append(attrs["for"])
        for name in ("aria-describedby", "aria-labelledby"):
            for target in (attrs.get(name) or "").split():
                self.aria_refs.append((name, target))
        if tag == "select":
            name = attrs.get("name") or attrs.get("id")
            self._select = []
            self.selects.setdefault(name, self._select)  # the first of that name
            if "required" in attrs:
                self.required_selects.append((name, self._select))
        elif tag == "option" and self._select is not None:
            self._select.append((attrs.get("value"), "selected" in attrs))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def problems(html):
    """What is wrong with a page's structure, one sentence each (empty: nothing)."""
    checker = PageChecker()
    checker.feed(html)
    checker.close()
    found = []
    seen = set()
    for value in checker.ids:
        if value in seen:
            found.append(f'duplicate id="{value}"')
        seen.add(value)
    found += [f'<label for="{t}"> has no target' for t in checker.label_targets if t not in seen]
    found += [f'{name}="{t}" has no target' for name, t in checker.aria_refs if t not in seen]
    for name, options in checker.required_selects:
        if not options or options[0][0] != "":
            found.append(f'required <select name="{name}"> does not start on an empty option')
    return found


def selected(html, name):
    """The value of the option the select ``name`` shows (the browser's pick: the option
    marked selected, else the first one)."""
    checker = PageChecker()
    checker.feed(html)
    options = checker.selects[name]
    return next((value for value, chosen in options if chosen), options[0][0])
