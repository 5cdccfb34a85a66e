"""The demo's token scene on the embedded chain: it runs, its table shows each step, and its figures are exact."""

from __future__ import annotations

import io
import time

from rich.console import Console

from novacron_chain import NovaChain
from novacron_chain.demo import SCENES, DemoContext
from novacron_chain.demo._tokens import tokens
from novacron_chain.tokens import Resource

from .conftest import W


def test_token_scene(tembedded: NovaChain) -> None:
    out = io.StringIO()
    d = DemoContext(nova=tembedded, console=Console(file=out, width=160))
    started = time.perf_counter()
    tokens(d)
    assert time.perf_counter() - started < 20
    text = out.getvalue()
    for step in ("buy 100 CPU on the curve", "swap 20 CPU -> MEM", "add liquidity to CPU/MEM", "stake 50 CPU"):
        assert step in text
    report = d.report["tokens"]
    assert report["buy_cost_wei"] == report["quoted_wei"]
    user = tembedded.chain.dev_signer(1).address
    assert report["reserved_cpu"] == str(50 * W)
    assert tembedded.tokens.reserved_capacity(Resource.CPU, user) == 50 * W
    assert tembedded.chain.signer.address != user  # the act gives the signer back
    titles = [s.title for s in SCENES]
    mine = titles.index("Resource tokens: buy CPU on the curve, swap for MEM, add liquidity, stake")
    assert titles.index("Deploy the contract set") < mine < titles.index("Metrics fed by every transaction")
