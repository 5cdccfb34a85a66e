"""The dashboard's time to first render: how long the overview page takes in headless Chromium, from navigation to
its figures drawn from the API.

    python benchmarks/web.py [--runs 10]

One embedded chain (the contract set deployed, a VM created, its states recorded and anchored, a proposal open), the
API with the dashboard on uvicorn in a thread of this process, Debian's chromium + chromium-driver driven by Selenium
on the same machine. For each run the browser opens ``/ui/#/overview`` and we read the page's own clocks
(``performance``, milliseconds since navigation started):

* ``first_contentful_paint_ms``: the first paint with content (the layout, before any data);
* ``dom_content_loaded_ms``: the HTML parsed;
* ``overview_first_render_ms``: the page's ``overview-first-render`` mark: the figures of six API reads (status,
  readiness, state, VMs, proposals, consensus) drawn: the time to first render of the data;
* ``overview_rendered_ms``: the ``overview-rendered`` mark: the seventh, slowest read (``/security/status``, every
  contract's roles, for the paused count) drawn too: the page complete;
* ``wall_ms``: Selenium's ``get()`` until the page reports its data loaded, as a user would wait.

Run 1 is cold (a new browser profile: nothing cached); the others are warm (the modules revalidated: the server sends
``Cache-Control: no-cache``). Each run also pays the API reads on a shared 2-core machine: figures move by tens of
percent between runs.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from novacron_chain import NovaChain
from novacron_chain.api import ApiKeyStore, Scope, create_app
from novacron_chain.governance import ProposalAction
from novacron_chain.orchestrator import VMLifecycleOperation
from novacron_chain.state import VMState, VMStateRecord

from _common import save


def chain() -> NovaChain:
    nova = NovaChain.embedded(enable_cross_chain=True, supported_chains=[])
    nova.deploy()
    nova.tokens.fund_staking_rewards()
    nova.orchestrator.create_vm(VMLifecycleOperation("vm-bench", "us-east-1", 2, 2048), reserve=True)
    me = nova.chain.signer.address
    for i, state in enumerate((VMState.STARTING, VMState.RUNNING, VMState.STOPPED)):
        nova.state.record_vm_state(VMStateRecord("vm-bench", me, "us-east-1", state, 2, 2048, 1_800_000_000_000 + i))
    nova.state.flush()
    gm = nova.governance
    cpu = nova.contract("CPUToken")
    act = ProposalAction.call(cpu.address, "mint(address,uint256)", [gm.timelock.address, 10**18], description="1 CPU")
    gm.create_proposal("Bench proposal", "one CPU", [act])
    nova.chain.advance(gm.voting_delay + 1)
    return nova


def serve(nova: NovaChain, keys: ApiKeyStore) -> tuple[str, Any, threading.Thread]:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(nova, keys=keys), log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread


def browser() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        raise SystemExit("needs Debian's chromium and chromium-driver: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(options=options, service=Service(executable_path=driver))


MEASURE = """
const nav = performance.getEntriesByType('navigation')[0];
const fcp = performance.getEntriesByName('first-contentful-paint')[0];
const first = performance.getEntriesByName('overview-first-render')[0];
const mark = performance.getEntriesByName('overview-rendered')[0];
return {fcp: fcp ? fcp.startTime : null, dcl: nav.domContentLoadedEventEnd, first: first ? first.startTime : null,
        rendered: mark ? mark.startTime : null};
"""


def one(driver: Any, url: str) -> dict[str, float]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get("about:blank")
    t = time.perf_counter()
    driver.get(f"{url}/ui/#/overview")
    WebDriverWait(driver, 60, poll_frequency=0.005).until(
        lambda d: d.find_element(By.ID, "view").get_attribute("data-loaded") == "overview"
    )
    wall = (time.perf_counter() - t) * 1000
    m = driver.execute_script(MEASURE)
    return {"fcp": m["fcp"], "dcl": m["dcl"], "first": m["first"], "rendered": m["rendered"], "wall": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    import tempfile

    setup = time.perf_counter()
    nova = chain()
    setup_s = time.perf_counter() - setup
    with tempfile.TemporaryDirectory() as tmp:
        keys = ApiKeyStore(Path(tmp) / "api-keys.json")
        keys.create(Scope.WRITE, name="bench")
        url, server, thread = serve(nova, keys)
        driver = browser()
        try:
            version = driver.capabilities.get("browserVersion")
            runs = [one(driver, url) for _ in range(args.runs)]
        finally:
            driver.quit()
            server.should_exit = True
            thread.join(10)
            nova.close()

    def r(x: float | None) -> float | None:
        return None if x is None else round(x, 1)

    cold, warm = runs[0], runs[1:] or runs
    med = {k: r(statistics.median(x[k] for x in warm)) for k in ("fcp", "dcl", "first", "rendered", "wall")}
    save(
        "web",
        {
            "chromium": version,
            "chain_setup_s": round(setup_s, 1),
            "runs": args.runs,
            "cold": {
                "first_contentful_paint_ms": r(cold["fcp"]),
                "dom_content_loaded_ms": r(cold["dcl"]),
                "overview_first_render_ms": r(cold["first"]),
                "overview_rendered_ms": r(cold["rendered"]),
                "wall_ms": r(cold["wall"]),
            },
            "warm_median": {
                "first_contentful_paint_ms": med["fcp"],
                "dom_content_loaded_ms": med["dcl"],
                "overview_first_render_ms": med["first"],
                "overview_rendered_ms": med["rendered"],
                "wall_ms": med["wall"],
            },
            "warm_overview_first_render_ms": [r(x["first"]) for x in warm],
            "warm_overview_rendered_ms": [r(x["rendered"]) for x in warm],
        },
    )


if __name__ == "__main__":
    main()
