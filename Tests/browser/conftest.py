"""Fixtures for the browser and HTTP tests: one running system per test session (see
samtak_system.py), a fresh HTTP client per test, and a headless Debian chromium."""
import os
import tempfile
from pathlib import Path

import pytest
import requests

from samtak_system import CHROMIUM_ARGS, System, chromium_path


@pytest.fixture(scope="session")
def system():
    home = Path(os.environ.get("SAMTAK_HOME", tempfile.gettempdir()))
    work = home / "browser-tests"
    running = System(work)
    try:
        running.start()
    except BaseException:
        running.stop()
        raise
    yield running
    errors = running.logged_errors()
    running.stop()
    assert not errors, "the services logged errors:\n" + "\n".join(errors[:20])


@pytest.fixture()
def http():
    with requests.Session() as session:
        yield session


@pytest.fixture(scope="session")
def test_web(system):
    """A samtak-web that also knows the test issuer's tenants and a provider that is down; it
    keeps provider keys for 2 s and may fetch them again at once (rotation tests)."""
    return system.start_web("samtak-web-test", test_providers=True, SAMTAK_WEB_JWKS_MAX_AGE_S=2, SAMTAK_WEB_JWKS_MIN_REFRESH_S=0)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(locale="nb-NO", viewport={"width": 1100, "height": 800})
    yield context.new_page()
    context.close()
