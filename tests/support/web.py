"""Talking to a live server the way a browser and a mobile app do: form posts with the CSRF
cookie, JSON calls with a bearer token."""

import json
import re

import httpx


class WebSession:
    """One browser: its own cookies, CSRF token sent back on every form post."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=60)

    def get(self, path, **kwargs):
        return self.http.get(path, **kwargs)

    def post(self, path, data=None):
        if "csrftoken" not in self.http.cookies:
            self.http.get("/accounts/login/")  # any page with a form sets the cookie
        form = {"csrfmiddlewaretoken": self.http.cookies["csrftoken"], **(data or {})}
        return self.http.post(path, data=form, headers={"Referer": self.base_url + path})

    def login(self, email, password):
        response = self.post("/accounts/login/", {"login": email, "password": password})
        assert response.status_code == 302, response.text[-2000:]
        return self

    def is_logged_in(self):
        """The account page answers (a logged-out browser is sent to the login page)."""
        return self.get("/compte/").status_code == 200

    def close(self):
        self.http.close()


def api_call(base_url, method, path, token=None, payload=None, headers=None):
    """→ (status, decoded JSON body or None)."""
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(payload) if payload is not None else None
    response = httpx.request(method, base_url + path, content=body, headers=all_headers, timeout=60)
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, None


def link_in_text(text, pattern):
    """The path of the first absolute link in `text` whose path matches `pattern`."""
    match = re.search(r"https?://[^/\s]+(" + pattern + r"[^\s]*)", text)
    assert match, text
    return match.group(1)
