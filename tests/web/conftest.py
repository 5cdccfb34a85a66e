"""Fixtures of the dashboard tests: one embedded chain with the demo's data for the whole session, the API (with the
dashboard) on uvicorn in a thread of this process over it, an API key with the ``write`` scope, and headless
Chromium driven by Selenium (Debian's ``chromium`` and ``chromium-driver``: nothing downloads a browser).

Without Chromium the browser tests skip, saying how to install it; under CI (``CI`` set) they fail instead, since
``.ci/run`` installs it. Screenshots go to ``test-artifacts/web/`` (or ``$NOVACRON_TEST_ARTIFACTS/web``).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from novacron_chain import NovaChain
from novacron_chain.api import ApiKeyStore, Scope, create_app

from ._data import demo_chain

ROOT = Path(__file__).resolve().parents[2]
INSTALL_HINT = "apt-get install chromium chromium-driver (Debian), then pip install selenium (the dev extra)"


@dataclass(frozen=True)
class Server:
    """The running API: its base URL, the write key, and the chain under it."""

    url: str
    key: str
    nova: NovaChain

    def get(self, path: str) -> Any:
        """GET ``path`` as JSON (what the dashboard reads)."""
        response = httpx.get(self.url + path, timeout=60)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        """POST ``body`` with the write key."""
        response = httpx.post(self.url + path, json=body, headers={"X-API-Key": self.key}, timeout=60)
        response.raise_for_status()
        return response.json()


def browser_paths() -> tuple[str, str] | None:
    """``(chromium, chromedriver)`` from PATH, or ``None``."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.fixture(scope="session")
def web_nova() -> Iterator[NovaChain]:
    """The demo's chain (about a minute to build on a shared machine)."""
    nova = demo_chain()
    try:
        yield nova
    finally:
        nova.close()


@pytest.fixture(scope="session")
def server(web_nova: NovaChain, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The API app (dashboard included) on uvicorn on a free loopback port, in a thread of this process."""
    import uvicorn

    store = ApiKeyStore(Path(tmp_path_factory.mktemp("web-keys")) / "api-keys.json")
    _, key = store.create(Scope.WRITE, name="dashboard-test")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(web_nova, keys=store),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start within 30 s")
        time.sleep(0.05)
    try:
        yield Server(url, key, web_nova)
    finally:
        uv.should_exit = True
        thread.join(15)
        sock.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where screenshots go (kept after the run; gitignored)."""
    base = Path(os.environ.get("NOVACRON_TEST_ARTIFACTS", ROOT / "test-artifacts"))
    out = base / "web"
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="session")
def chromium() -> tuple[str, str]:
    """Chromium and its driver, or a skip (a failure under CI, which installs them)."""
    paths = browser_paths()
    missing = None
    if paths is None:
        missing = f"headless Chromium is not installed: {INSTALL_HINT}"
    else:
        try:
            import selenium  # noqa: F401
        except ImportError:
            missing = f"selenium is not installed: {INSTALL_HINT}"
    if missing is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{missing} (.ci/run installs them in CI)")
        pytest.skip(missing)
    assert paths is not None
    return paths


@pytest.fixture(scope="session")
def driver(chromium: tuple[str, str]) -> Iterator[Any]:
    """Headless Chromium with its console logged (``driver.get_log("browser")``)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium[0]
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # an explicit driver path: Selenium Manager (which would download a driver) never runs
    d = webdriver.Chrome(options=options, service=Service(executable_path=chromium[1]))
    d.set_page_load_timeout(60)
    try:
        yield d
    finally:
        d.quit()
