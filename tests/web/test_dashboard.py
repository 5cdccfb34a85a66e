"""The dashboard in headless Chromium against the API over the demo's chain: every page loads without a console
error and shows what the API returns, the price chart draws, a vote and a buy with an API key work end to end, and
new blocks arrive live. Each page's screenshot is saved under ``test-artifacts/web/``."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from ._data import DEMO_VM
from .conftest import Server

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("chromium")]

PAGES = ("overview", "vms", "market", "staking", "governance", "identity", "consensus", "bridge", "l2", "security")


def units(value: str | int, decimals: int = 18, places: int = 4) -> str:
    """The dashboard's ``units()`` (format.js): exact, grouped, at most ``places`` decimals, no trailing zeros."""
    v = int(value)
    sign, v = ("-", -v) if v < 0 else ("", v)
    whole, frac = divmod(v, 10**decimals)
    digits = str(frac).rjust(decimals, "0")[:places].rstrip("0")
    return f"{sign}{whole:,}" + (f".{digits}" if digits else "")


def _open(driver: Any, server: Server, page: str, timeout: float = 60) -> Any:
    """Load ``page`` and wait until its data is in (``#view[data-loaded]``); the view element."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{server.url}/ui/#/{page}")
    WebDriverWait(driver, timeout).until(lambda d: d.find_element(By.ID, "view").get_attribute("data-loaded") == page)
    return driver.find_element(By.ID, "view")


def _errors(driver: Any) -> list[str]:
    """The console's errors since the last call (Chromium logs failed requests and exceptions as SEVERE)."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]


def _shot(driver: Any, artifacts: Path, name: str) -> None:
    driver.save_screenshot(str(artifacts / f"{name}.png"))
    assert (artifacts / f"{name}.png").stat().st_size > 10_000


def _cells(view: Any, section_id: str) -> list[list[str]]:
    from selenium.webdriver.common.by import By

    rows = view.find_element(By.ID, section_id).find_elements(By.CSS_SELECTOR, "tbody tr")
    return [[td.text for td in r.find_elements(By.TAG_NAME, "td")] for r in rows]


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_without_console_errors(driver: Any, server: Server, artifacts: Path, page: str) -> None:
    _errors(driver)
    view = _open(driver, server, page)
    _shot(driver, artifacts, page)
    assert "Could not load" not in view.text
    assert _errors(driver) == []


def test_overview_shows_the_api_figures(driver: Any, server: Server) -> None:
    from selenium.webdriver.common.by import By

    view = _open(driver, server, "overview")
    status, vms, proposals = server.get("/status"), server.get("/vms"), server.get("/proposals")
    value = lambda card: view.find_element(By.CSS_SELECTOR, f"#{card} .v").text  # noqa: E731
    assert int(value("card-block")) >= status["block"] - 1
    assert value("card-vms") == str(len(vms["vms"]))
    assert value("card-proposals") == str(len(proposals["proposals"]))
    assert value("card-paused") == "0"
    rendered = driver.execute_script("return performance.getEntriesByName('overview-rendered').length")
    assert rendered == 1


def test_vms_show_state_region_audit_trail_and_verdict(driver: Any, server: Server) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    view = _open(driver, server, "vms")
    rows = {r[0]: r for r in _cells(view, "vm-table")}
    for vm in server.get("/vms")["vms"]:
        verdict = server.get(f"/state/vms/{vm['name']}/verify")["status"]
        assert rows[vm["name"]][1:5] == [vm["state"], vm["region"], str(vm["cpu"]), str(vm["memory_mb"])]
        assert rows[vm["name"]][7] == verdict
    WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "vm-detail").get_attribute("data-vm") == DEMO_VM)
    history = server.get(f"/state/vms/{DEMO_VM}/history")["records"]
    trail = _cells(view, "vm-detail")
    assert [r[0] for r in trail] == [str(h["seq"]) for h in history]
    assert [r[1] for r in trail] == ["Starting", "Running", "Migrating", "Running"]
    assert "integrity: valid" in view.find_element(By.ID, "vm-detail").text


def test_market_chart_renders_and_tables_match(driver: Any, server: Server) -> None:
    from selenium.webdriver.common.by import By

    view = _open(driver, server, "market")
    chart = view.find_element(By.ID, "price-chart")
    assert int(chart.get_attribute("data-points")) == len(server.get("/market/history")["points"]) > 0
    # the canvas has pixels drawn on it: count the non-transparent ones
    drawn = driver.execute_script(
        "const c = document.querySelector('#price-chart canvas');"
        "if (!c || !c.width || !c.height) return 0;"
        "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        "let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n;"
    )
    assert drawn > 1000
    legend = chart.find_element(By.CSS_SELECTOR, ".u-legend").text
    assert all(r in legend for r in ("CPU", "MEM", "STO", "NET"))
    prices = {r[0]: r for r in _cells(view, "price-table")}
    for p in server.get("/market/prices")["prices"]:
        assert prices[p["resource"]][2] == units(p["spot_price_wei"], places=8)
    pools = _cells(view, "pool-table")
    cpu_pool = server.get("/pools/CPU")
    assert pools[0][2] == units(cpu_pool["reserve"])
    assert pools[0][3] == units(cpu_pool["other_reserve"])


def test_governance_tallies_quorum_and_countdowns(driver: Any, server: Server) -> None:
    from selenium.webdriver.common.by import By

    view = _open(driver, server, "governance")
    proposals = server.get("/proposals")["proposals"]
    shown = {p.get_attribute("data-id"): p for p in view.find_elements(By.CSS_SELECTOR, ".proposal")}
    assert set(shown) == {p["id"] for p in proposals}
    states = {p["state"] for p in proposals}
    assert {"Executed", "Queued", "Active"} <= states
    for p in proposals:
        card = shown[p["id"]]
        assert card.get_attribute("data-state") == p["state"]
        assert p["title"] in card.text
        assert card.find_element(By.CSS_SELECTOR, ".votes-for").text == units(p["votes"]["for"], places=0)
        assert f"quorum: {100 * p['quorum_progress']:.1f}%" in card.text
        if p["state"] == "Queued":
            text = card.find_element(By.CSS_SELECTOR, ".countdown").text
            assert text.startswith("timelock: executable in ") or text == "executable now"
        if p["state"] == "Active":
            assert card.find_element(By.CSS_SELECTOR, ".countdown").text.startswith("voting ends in ")
            assert card.find_elements(By.CSS_SELECTOR, "form.vote-form")


def test_identity_validators_bridge_and_security_pages_match(driver: Any, server: Server) -> None:
    from selenium.webdriver.common.by import By

    view = _open(driver, server, "identity")
    ids = server.get("/identities")
    assert [r[0] for r in _cells(view, "identity-table")] == [i["did"] for i in ids["identities"]]
    assert len(_cells(view, "revoked-table")) == len(ids["revoked_credentials"])
    view = _open(driver, server, "consensus")
    validators = server.get("/validators")["validators"]
    assert [r[0] for r in _cells(view, "validator-table")] == [str(v["index"]) for v in validators]
    checkpoints = server.get("/checkpoints/state")["checkpoints"]
    assert checkpoints, "the demo's proof-of-stake scene makes a state root final"
    assert [r[1] for r in _cells(view, "checkpoint-table") if r[0] == "state"] == [
        str(c["height"]) for c in checkpoints
    ]
    view = _open(driver, server, "bridge")
    transfers = server.get("/bridge/transfers")["transfers"]
    rows = _cells(view, "transfer-table")
    assert rows == [["no bridge transfer"]] if not transfers else [r[0] for r in rows] == [t["id"] for t in transfers]
    view = _open(driver, server, "l2")
    if not server.get("/l2/status")["enabled"]:  # the demo's chain runs no sequencer
        assert "layer 2 is off" in view.find_element(By.ID, "l2-off").text
    batches = server.get("/l2/batches")["batches"]
    assert batches, "the demo's l2 scene posts batches"
    rows = _cells(view, "l2-batch-list")
    assert [r[0] for r in rows] == [str(b["index"]) for b in batches]
    assert [r[-1] for r in rows] == ["final" if b["final"] else "challengeable" for b in batches]
    view = _open(driver, server, "security")
    contracts = server.get("/security/status")["contracts"]
    rows = view.find_element(By.ID, "security-table").find_elements(By.CSS_SELECTOR, "tbody tr")
    assert [r.get_attribute("data-contract") for r in rows] == [c["name"] for c in contracts]
    assert [r.get_attribute("data-paused") for r in rows] == [json.dumps(c["paused"]) for c in contracts]


def test_policies_panel_and_an_audit_on_demand(driver: Any, server: Server, artifacts: Path) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    # the governance page re-renders on every new block: every read is one wait that re-reads a stale element
    wait = WebDriverWait(driver, 30, ignored_exceptions=(StaleElementReferenceException,))
    text = lambda css: wait.until(lambda d: d.find_element(By.CSS_SELECTOR, css).text)  # noqa: E731
    _errors(driver)
    has_policies = "/governance/policies" in server.get("/openapi.json")["paths"]
    if has_policies:  # a change waiting for approvals (the proposer's own is the first)
        change = server.post("/governance/policy-changes", {"name": "autoscale.limit.eu-west-1", "value": "12"})
    _open(driver, server, "governance")
    if has_policies:  # the policy endpoints: the panel shows what they return (live: the change's block may come later)
        row = text(f"#policy-pending tr[data-id='{change['id']}']")
        assert "autoscale.limit.eu-west-1" in row
        assert f"{change['valid_approvals']} / {change['threshold']}" in row
        assert "expires in" in row
        listed = [p["name"] for p in server.get("/governance/policies")["policies"]]
        rows = "#policy-values tbody tr[data-name]"
        shown = lambda d: [r.get_attribute("data-name") for r in d.find_elements(By.CSS_SELECTOR, rows)]  # noqa: E731
        wait.until(lambda d: shown(d) == listed, f"the policy values panel does not list {listed}")
    else:  # a server without them: empty lists, no failed request
        assert "no policy set" in text("#policy-values")
        assert "no policy change waits for approval" in text("#policy-pending")
    assert "null" not in text("#policies")
    driver.execute_script("document.getElementById('policies').scrollIntoView()")
    _shot(driver, artifacts, "governance-policies")
    _open(driver, server, "security")
    audit = "button.audit-button[data-contract='StateAnchor']"
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, audit).click() or True)  # once: a stale button is found again
    found = WebDriverWait(driver, 60).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "tr[data-contract='StateAnchor'] .audit-verdict")
    )
    assert found[0].get_attribute("data-verdict") == server.get("/security/audit/StateAnchor")["verdict"]
    assert _errors(driver) == []


def test_compliance_report_from_the_vm_page(driver: Any, server: Server, artifacts: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    view = _open(driver, server, "vms")
    _use_key(driver, server.key)
    WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "vm-detail").get_attribute("data-vm") == DEMO_VM)
    view.find_element(By.ID, "report-button").click()
    WebDriverWait(driver, 60).until(
        lambda d: d.find_elements(By.ID, "report-summary") or d.find_elements(By.ID, "report-error")
    )
    assert not view.find_elements(By.ID, "report-error"), view.find_element(By.ID, "report-error").text
    box = view.find_element(By.ID, "vm-report")
    driver.execute_script("arguments[0].scrollIntoView()", box)
    _shot(driver, artifacts, "vms-report")
    assert "compliance report: valid" in box.text  # checked on the server's chain too
    assert "null" not in box.text.splitlines()
    records = len(server.get(f"/state/vms/{DEMO_VM}/history")["records"])
    assert view.find_element(By.ID, "report-summary").text.startswith(f"{records} records, issued by did:novacron:")
    token = view.find_element(By.ID, "report-token").get_attribute("value")
    check = httpx.post(server.url + "/state/reports/check", content=token, timeout=60).json()  # a third party
    assert (check["status"], check["vm_id"], check["records"]) == ("valid", DEMO_VM, records)
    assert _errors(driver) == []


def _use_key(driver: Any, key: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.find_element(By.ID, "api-key").send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "#key-form button").click()
    WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "key-status").text.startswith("write"))


def test_vote_with_an_api_key_end_to_end(driver: Any, server: Server, artifacts: Path) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    view = _open(driver, server, "governance")
    _use_key(driver, server.key)
    active = next(p for p in server.get("/proposals")["proposals"] if p["state"] == "Active")
    before = int(active["votes"]["against"])
    for attempt in range(5):  # the page re-renders on every new block (live updates): a found form may go stale
        try:
            card = view.find_element(By.CSS_SELECTOR, f".proposal[data-id='{active['id']}']")
            form = card.find_element(By.CSS_SELECTOR, "form.vote-form")
            Select(form.find_element(By.NAME, "support")).select_by_value("against")
            form.find_element(By.NAME, "reason").send_keys("needs a cost estimate")
            form.find_element(By.TAG_NAME, "button").click()
            break
        except StaleElementReferenceException:
            assert attempt < 4, "the governance page kept re-rendering"
            time.sleep(0.2)
    WebDriverWait(driver, 60, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".vote-done")
    )
    _shot(driver, artifacts, "governance-voted")
    assert _errors(driver) == []
    after = server.nova.governance.get_proposal(int(active["id"]))  # the chain itself, not the page
    votes = server.nova.governance.get_votes(server.nova.chain.signer.address, after.vote_start)
    assert after.votes.against == before + votes
    # the page updates live: the tally it shows is the chain's, and it offers no second vote
    shown = f".proposal[data-id='{active['id']}']"
    tally = units(after.votes.against, places=0)

    def tallied(d: Any) -> bool:  # read in one go: a re-render between two reads makes the first element stale
        card = d.find_element(By.CSS_SELECTOR, shown)
        return (
            card.find_element(By.CSS_SELECTOR, ".votes-against").text == tally
            and not card.find_elements(By.CSS_SELECTOR, "form.vote-form")
            and "Your vote: against" in card.text
        )

    assert after.votes.against > 0
    WebDriverWait(driver, 30, ignored_exceptions=(StaleElementReferenceException,)).until(tallied)
    _shot(driver, artifacts, "governance-tallied")


def test_market_buy_with_an_api_key_end_to_end(driver: Any, server: Server, artifacts: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    view = _open(driver, server, "market")
    _use_key(driver, server.key)
    account = server.nova.chain.signer.address
    before = int(server.get(f"/accounts/{account}/balances")["tokens"]["MEM"])
    amount = view.find_element(By.ID, "buy-amount")
    amount.clear()
    amount.send_keys("2.5")
    Select(view.find_element(By.ID, "buy-resource")).select_by_value("MEM")
    view.find_element(By.ID, "quote-button").click()
    WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "buy-quote").text.startswith("costs "))
    view.find_element(By.ID, "buy-button").click()
    WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.ID, "buy-done") or d.find_elements(By.ID, "buy-error"))
    assert not view.find_elements(By.ID, "buy-error"), view.find_element(By.ID, "buy-error").text
    _shot(driver, artifacts, "market-bought")
    assert _errors(driver) == []
    after = int(server.get(f"/accounts/{account}/balances")["tokens"]["MEM"])
    assert after - before == 25 * 10**17  # exact: 2.5 tokens in base units, no float on the way


def test_new_blocks_arrive_live(driver: Any, server: Server) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    view = _open(driver, server, "overview")
    WebDriverWait(driver, 30).until(lambda d: "on" in d.find_element(By.ID, "live").get_attribute("class"))
    updates = int(view.get_attribute("data-updates"))
    record = {
        "vm_id": "vm-live",
        "state": "Running",
        "region": "us-east-1",
        "cpu_allocation": 1,
        "memory_allocation": 512,
    }
    server.post("/state/records", record)
    flushed = server.post("/state/flush", {})
    block = flushed["batches"][0]["block"]
    feed = lambda d: d.find_element(By.ID, "block-feed").text  # noqa: E731
    WebDriverWait(driver, 30).until(lambda d: f"#{block} " in feed(d))
    assert "StateAnchor" in feed(driver)
    assert int(driver.find_element(By.ID, "live").get_attribute("data-block")) >= block
    # and the page reloaded its figures for it
    WebDriverWait(driver, 30).until(
        lambda d: int(d.find_element(By.ID, "view").get_attribute("data-updates")) > updates
    )
    assert _errors(driver) == []
