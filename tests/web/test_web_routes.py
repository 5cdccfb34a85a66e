"""The dashboard's serving and its read endpoints, over HTTP against the library on the demo's chain (no browser)."""

from __future__ import annotations

import hashlib
import json

import httpx

from novacron_chain.api._web_routes import CSP, WEB_DIR
from novacron_chain.tokens import Resource

from ._data import DEMO_VM, SECOND_VM
from .conftest import Server


def test_root_redirects_to_the_dashboard_with_a_strict_policy(server: Server) -> None:
    root = httpx.get(server.url + "/", timeout=30)
    assert root.status_code == 307
    assert root.headers["location"] == "/ui/"
    page = httpx.get(server.url + "/ui/", timeout=30)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-security-policy"] == CSP
    assert "script-src 'self'" in CSP  # no inline script, no third-party origin
    assert '<script type="module" src="js/main.js"></script>' in page.text
    module = httpx.get(server.url + "/ui/vendor/uPlot.esm.js", timeout=30)
    assert module.status_code == 200
    assert "javascript" in module.headers["content-type"]
    missing = httpx.get(server.url + "/ui/nope.js", timeout=30)
    assert missing.status_code == 404
    assert "/ui/" not in json.dumps(httpx.get(server.url + "/openapi.json", timeout=30).json()["paths"])


def test_vendored_chart_library_matches_its_record() -> None:
    record = json.loads((WEB_DIR / "vendor" / "VENDOR.json").read_text())
    uplot = record["packages"]["uplot"]
    assert uplot["license"] == "MIT"
    for name, entry in uplot["files"].items():
        assert hashlib.sha256((WEB_DIR / "vendor" / name).read_bytes()).hexdigest() == entry["sha256"], name


def test_vm_list_is_what_the_library_says(server: Server) -> None:
    vms = server.get("/vms")["vms"]
    names = [v["name"] for v in vms]
    assert DEMO_VM in names
    assert SECOND_VM in names
    for v in vms:
        info = server.nova.orchestrator.get_vm(v["name"]).to_dict()
        assert {k: v[k] for k in ("vm_id", "owner", "state", "region", "cpu", "memory_mb")} == {
            k: info[k] for k in ("vm_id", "owner", "state", "region", "cpu", "memory_mb")
        }
    assert server.get("/vms?limit=1")["vms"] == vms[-1:]
    assert httpx.get(server.url + "/vms?limit=0", timeout=30).status_code == 400


def test_market_history_prices_are_the_contracts(server: Server) -> None:
    tm = server.nova.tokens
    history = server.get("/market/history")
    points = history["points"]
    assert points, "the demo buys on the curve"
    assert [p["block"] for p in points] == sorted(p["block"] for p in points)
    for r in Resource:
        own = [p for p in points if p["resource"] == r.name]
        if own:  # the latest trade's price is the spot price now (nothing traded after it)
            assert own[-1]["spot_price_wei"] == str(tm.get_spot_price(r))
            assert own[-1]["reserve"] == str(tm.curve(r)[2])
    now = {p["resource"]: p for p in history["now"]["prices"]}
    assert now["MEM"]["spot_price_wei"] == str(tm.get_spot_price(Resource.MEM))
    only = server.get("/market/history?resource=mem")
    assert {p["resource"] for p in only["points"]} <= {"MEM"}
    assert [p["resource"] for p in only["now"]["prices"]] == ["MEM"]
    bad = httpx.get(server.url + "/market/history?resource=GPU", timeout=30)
    assert bad.status_code == 400
    assert bad.json()["hint"] == "use one of CPU, MEM, STO, NET"


def test_identities_and_staking(server: Server) -> None:
    ids = server.get("/identities")
    assert ids["identities"], "the demo's identity scene publishes a key"
    for i in ids["identities"]:
        assert i["did"] == server.nova.did.did_of(i["address"])
        assert i["changes"] >= i["attributes"] + i["delegates"]
    assert ids["revoked_credentials"], "the demo revokes a credential"
    staking = server.get("/staking")
    assert [r["resource"] for r in staking["resources"]] == ["CPU", "MEM", "STO", "NET"]
    for r in staking["resources"]:
        available, committed = server.nova.tokens.reward_reserve(r["resource"])
        assert (r["reward_available"], r["reward_committed"]) == (str(available), str(committed))
    assert staking["account"] == server.nova.chain.signer.address


def test_l2_status_says_when_layer_2_is_off(server: Server) -> None:
    status = server.get("/l2/status")
    assert server.nova.config.blockchain.use_layer2 is False
    assert status == {
        "enabled": False,
        "message": "layer 2 is off (use_layer2: false)",
        "hint": "set blockchain.use_layer2: true (l2_network: novacron for this project's rollup)",
    }


def test_l2_batches_are_read_from_l1_without_a_sequencer(server: Server) -> None:
    nova = server.nova
    rollup = nova.contract("L2Rollup")
    count = int(nova.chain.call(rollup.functions.batchCount()))
    assert count >= 3, "the demo's l2 scene posts batches"
    listed = server.get("/l2/batches?limit=1000")
    assert listed["deployed"] is True
    assert listed["rollup"] == rollup.address
    batches = listed["batches"]
    assert [b["index"] for b in batches] == list(range(count - 1, -1, -1))  # every live batch, newest first
    for b in batches:
        record = nova.chain.call(rollup.functions.batch(b["index"]))
        assert b["post_root"] == "0x" + bytes(record[0]).hex()
        assert (b["proposer"], b["l1_block"], b["queue_end"]) == (record[2], record[4], record[5])
        assert b["final"] is bool(nova.chain.call(rollup.functions.isFinal(b["index"])))
        receipt = nova.chain.w3.eth.get_transaction_receipt(b["l1_tx"])
        assert receipt["blockNumber"] == b["l1_block"]
        assert b["segments"] >= 1
    assert [b["index"] for b in server.get("/l2/batches?limit=2")["batches"]] == [count - 1, count - 2]
