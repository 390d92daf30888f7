"""Security headers on every response; CSRF on forms."""

import pytest

SECURE = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


@pytest.mark.parametrize("url", ["/", "/login", "/api/days", "/nowhere", "/calendar.ics"])
def test_headers_on_every_response(client, url):
    response = client.get(url)
    for name, value in SECURE.items():
        assert response.headers[name] == value
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_no_inline_script_in_pages(client):
    for url in ("/", "/login", "/privacy"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>" not in page and "onclick=" not in page


def test_forms_need_a_csrf_token(app, client, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        user = make_user("reception")
        response = client.post("/login", data={"email": user.email, "password": "x"})
        assert response.status_code == 400
        assert client.post("/api/days").status_code == 405  # the API is CSRF-exempt JSON
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_an_unreachable_database_answers_503_with_a_calm_page(tmp_path, lang):
    from app import create_app
    from tests.conftest import TEST_CONFIG, free_port

    app = create_app({
        **TEST_CONFIG,
        "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none",
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
    })  # fmt: skip
    client = app.test_client()
    page = client.get(f"/?lang={lang}")
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    text = page.get_data(as_text=True)
    assert "503" in text and ("минуту" in text or "минуттан" in text)
    api = client.get("/api/days")
    assert (api.status_code, api.get_json()) == (503, {"error": "unavailable"})
    assert api.headers["Retry-After"] == "30"
