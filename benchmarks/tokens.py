"""Resource tokens: gas of transfer, buy, sell, swap, add/remove liquidity and stake, beside the references measured
in the same run: a plain OpenZeppelin ERC-20 (contracts/reference/PlainERC20.sol, same compiler and settings) and
the Uniswap v2 pair (the bytecode npm ``@uniswap/v2-core@1.0.1`` ships in ``build/``, deployed as it is).

Every figure is a receipt's ``gasUsed`` (the whole transaction: 21,000 base, calldata, cold accounts and slots,
refunds) in steady state: each operation runs once to warm up, then the next identical operation is measured, with
both sides in the same state kind (receiver already holds the token; pools with liquidity and non-zero price
accumulators; a curve with an outstanding reserve), and each measured transaction is the first of a new block 12 s
after the previous one, so a pool's first reserve change in that block also updates its TWAP accumulators, as on a
live chain (anvil mines blocks within the same second otherwise, and a pool skips that update then: ~10k less gas
for ours and for Uniswap alike). The Uniswap v2 pair is driven the way its router does it
without the router: ``transfer`` to the pair then ``pair.swap`` (a swap), ``transfer`` x2 then ``pair.mint`` (a
deposit), ``pair.transfer`` to itself then ``pair.burn`` (a withdrawal); each reference is the sum of those
transactions. Ours move tokens with ``transferFrom`` after a one-time approval (not counted, as a router swap
"after approval"); the market's sale spends an exact approval made just before it (not counted either).

Gas is measured on the embedded chain (py-evm) and on anvil (skip with --no-anvil); the two must agree. USD is at
``gas_price_limit`` (the most the configuration ever pays per gas) and ``native_usd_price``.

    cd benchmarks && ../.venv/bin/python tokens.py [--no-anvil]
"""

from __future__ import annotations

import argparse
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from novacron_chain import NovaChain, load_config
from novacron_chain.artifacts import Artifact
from novacron_chain.chain import AnvilNode
from novacron_chain.tokens import NATIVE, Resource, TokenManager, deploy_steps

from _common import save

ROOT = Path(__file__).resolve().parent.parent
UNISWAP = ROOT / "node_modules/@uniswap/v2-core/build"
W = 10**18
FAR = 2**64


def uniswap_artifact(name: str) -> Artifact:
    raw = json.loads((UNISWAP / f"{name}.json").read_text())
    return Artifact(
        name=name,
        source_name=f"@uniswap/v2-core/build/{name}.json",
        abi=raw["abi"],
        bytecode="0x" + raw["bytecode"].removeprefix("0x"),
        deployed_bytecode="0x" + raw["evm"]["deployedBytecode"]["object"].removeprefix("0x"),
        source_hash="",
        compiler_version="solc 0.5.16 (as shipped)",
        test_only=True,
    )


def steady(run: Any) -> int:
    """Gas of the second of two identical runs (the first warms state up)."""
    run()
    return int(run())


def ours(nc: NovaChain) -> dict[str, int]:
    nc.deploy(steps=deploy_steps(nc.config.blockchain))
    tm: TokenManager = nc.tokens
    chain = nc.chain
    me, holder = chain.signer.address, chain.dev_signer(1).address
    cpu, mem = tm.token(Resource.CPU), tm.token(Resource.MEM)
    # state after some use: curve reserves, pools with liquidity, a funded reward reserve, a receiver that holds CPU
    tm.buy(Resource.CPU, 50_000 * W)
    tm.buy(Resource.MEM, 50_000 * W)
    tm.add_liquidity(Resource.CPU, 10_000 * W, 10 * W)
    tm.add_liquidity(Resource.CPU, 10_000 * W, 20_000 * W, other=Resource.MEM)
    tm.fund_rewards(Resource.CPU, 1_000 * W)
    tm.buy(Resource.CPU, W, to=holder)
    for token in (cpu, mem):
        for spender in (tm.pool(Resource.CPU), tm.pool(Resource.CPU, Resource.MEM), tm.staking):
            chain.transact(token.functions.approve(spender.address, 2**255))
    chain.advance(12)  # a new block: the accumulators have something to add

    def gas(fn: Any, value: int = 0) -> int:
        chain.advance(12)  # each measured transaction opens a new block 12 s later (see the module notes)
        return chain.transact(fn, value=value).gas_used

    def buy() -> int:
        cost = tm.quote_buy(Resource.CPU, 10 * W).wei
        return gas(tm.market.functions.buy(0, 10 * W, cost, me, FAR), cost)

    def sell() -> int:
        chain.transact(cpu.functions.approve(tm.market.address, 10 * W))
        return gas(tm.market.functions.sell(0, 10 * W, 0, me, FAR))

    pair = tm.pool(Resource.CPU, Resource.MEM)
    native = tm.pool(Resource.CPU)
    out: dict[str, int] = {
        "transfer": steady(lambda: gas(cpu.functions.transfer(holder, W))),
        "buy": steady(buy),
        "sell": steady(sell),
        "swap": steady(lambda: gas(pair.functions.swap(cpu.address, 10 * W, 0, me, FAR))),
        "swap_native_in": steady(lambda: gas(native.functions.swap(NATIVE, W // 100, 0, me, FAR), W // 100)),
        "swap_native_out": steady(lambda: gas(native.functions.swap(cpu.address, 10 * W, 0, me, FAR))),
    }
    r0, r1, _ = chain.call(pair.functions.getReserves())
    out["add_liquidity"] = steady(lambda: gas(pair.functions.addLiquidity(r0 // 100, r1 // 100, 0, 0, me, FAR)))
    out["remove_liquidity"] = steady(lambda: gas(pair.functions.removeLiquidity(10**18, 0, 0, me, FAR)))
    out["stake"] = steady(lambda: gas(tm.staking.functions.stake(0, 100 * W, 30 * 86_400)))
    return out


def reference(nc: NovaChain) -> dict[str, int]:
    chain = nc.chain
    me, holder = chain.signer.address, chain.dev_signer(1).address
    a, _ = chain.deploy("PlainERC20", me, 10**30)
    b, _ = chain.deploy("PlainERC20", me, 10**30)
    factory, _ = chain.deploy(uniswap_artifact("UniswapV2Factory"), me)
    chain.transact(factory.functions.createPair(a.address, b.address), max_gas=5_000_000)
    pair = chain.contract(
        uniswap_artifact("UniswapV2Pair"), chain.call(factory.functions.getPair(a.address, b.address))
    )
    token0 = a if chain.call(pair.functions.token0()) == a.address else b
    token1 = b if token0 is a else a
    chain.transact(token0.functions.transfer(pair.address, 10_000 * W))
    chain.transact(token1.functions.transfer(pair.address, 20_000 * W))
    chain.transact(pair.functions.mint(me))
    chain.transact(a.functions.transfer(holder, W))
    chain.advance(12)

    def gas(fn: Any) -> int:
        chain.advance(12)  # each measured transaction opens a new block 12 s later (see the module notes)
        return chain.transact(fn).gas_used

    def swap() -> int:
        r0, r1, _ = chain.call(pair.functions.getReserves())
        amount_in = 10 * W
        out = amount_in * 997 * r1 // (r0 * 1000 + amount_in * 997)
        return gas(token0.functions.transfer(pair.address, amount_in)) + gas(pair.functions.swap(0, out, me, b""))

    def add() -> int:
        r0, r1, _ = chain.call(pair.functions.getReserves())
        return (
            gas(token0.functions.transfer(pair.address, r0 // 100))
            + gas(token1.functions.transfer(pair.address, r1 // 100))
            + gas(pair.functions.mint(me))
        )

    def remove() -> int:
        return gas(pair.functions.transfer(pair.address, 10**18)) + gas(pair.functions.burn(me))

    return {
        "erc20_transfer": steady(lambda: gas(a.functions.transfer(holder, W))),
        "uniswap_swap": steady(swap),
        "uniswap_add": steady(add),
        "uniswap_remove": steady(remove),
    }


#: (our operation, its reference, what the reference is)
ROWS = [
    ("transfer", "erc20_transfer", "OpenZeppelin ERC20 transfer"),
    ("buy", "uniswap_swap", "Uniswap v2 swap (transfer + pair.swap)"),
    ("sell", "uniswap_swap", "Uniswap v2 swap (transfer + pair.swap)"),
    ("swap", "uniswap_swap", "Uniswap v2 swap (transfer + pair.swap)"),
    ("swap_native_in", "uniswap_swap", "Uniswap v2 swap (transfer + pair.swap)"),
    ("swap_native_out", "uniswap_swap", "Uniswap v2 swap (transfer + pair.swap)"),
    ("add_liquidity", "uniswap_add", "Uniswap v2 deposit (2 transfers + pair.mint)"),
    ("remove_liquidity", "uniswap_remove", "Uniswap v2 withdrawal (pair.transfer + pair.burn)"),
    ("stake", None, "no reference"),
]
LABELS = {
    "transfer": "CPU transfer",
    "buy": "market buy (curve)",
    "sell": "market sell (curve)",
    "swap": "swap CPU -> MEM (pair)",
    "swap_native_in": "swap native -> CPU",
    "swap_native_out": "swap CPU -> native",
    "add_liquidity": "add liquidity (pair)",
    "remove_liquidity": "remove liquidity (pair)",
    "stake": "stake CPU 30 days",
}


def measure(nc: NovaChain) -> dict[str, int]:
    return {**ours(nc), **reference(nc)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--no-anvil", action="store_true", help="skip the anvil cross-check")
    args = ap.parse_args()
    if not UNISWAP.exists():
        raise SystemExit(f"{UNISWAP} is missing: run `npm ci` (devDependency @uniswap/v2-core 1.0.1)")
    config = load_config()
    gas_price = config.blockchain.gas_price_limit
    usd = config.blockchain.native_usd_price

    results: dict[str, Any] = {}
    with NovaChain.embedded() as nc:
        results["embedded"] = measure(nc)
    if not args.no_anvil:
        with (
            AnvilNode() as node,
            NovaChain.connect(load_config(overrides={"network": node.url, "data_dir": "/nonexistent"})) as nc,
        ):
            nc.deployments.path = None
            results["anvil"] = measure(nc)
    g = results["embedded"]
    agree = "anvil" not in results or results["anvil"] == g

    def dollars(gas: int) -> float:
        return float(Decimal(gas * gas_price) / 10**18 * usd)

    table = Table(
        title=f"gas per transaction (embedded; anvil {'agrees' if agree else 'DIFFERS'}), "
        f"USD at {gas_price / 1e9:g} gwei and ${usd} per native coin"
    )
    for col in ("operation", "ours", "USD", "reference", "ref gas", "ratio", "goal"):
        table.add_column(col, justify="left" if col in ("operation", "reference") else "right")
    rows = []
    for op, ref, what in ROWS:
        mine = g[op]
        ref_gas = g[ref] if ref else None
        ratio = mine / ref_gas if ref_gas else None
        met = None if ratio is None else ratio <= 1
        rows.append(
            {
                "operation": op,
                "gas": mine,
                "usd": round(dollars(mine), 6),
                "reference": what,
                "reference_gas": ref_gas,
                "ratio": round(ratio, 3) if ratio else None,
                "met": met,
            }
        )
        table.add_row(
            LABELS[op],
            f"{mine:,}",
            f"${dollars(mine):.4f}",
            what,
            f"{ref_gas:,}" if ref_gas else "-",
            f"{ratio:.3f}" if ratio else "-",
            "-" if met is None else ("[green]met[/]" if met else "[red]missed[/]"),
        )
    Console().print(table)
    save(
        "tokens",
        {"gas_price_wei": gas_price, "native_usd_price": str(usd), "anvil_agrees": agree, "rows": rows, "raw": results},
    )


if __name__ == "__main__":
    main()
