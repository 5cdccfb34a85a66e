"""The token commands through typer's CliRunner on a local app (the main app wires ``register`` separately),
against a persistent embedded chain in a temporary data dir, so separate invocations see one chain; and the
real entry point for the exit codes and the no-traceback rule."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from novacron_chain import NovaChain, load_config
from novacron_chain.chain import AnvilNode
from novacron_chain.cli._app import main
from novacron_chain.cli._token_cmds import register
from novacron_chain.tokens import _math as m
from novacron_chain.tokens import deploy_steps
from tests._support import Cli, deploy_in

from .conftest import W


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return deploy_in(tmp_path_factory.mktemp("chain"), deploy_steps)


@pytest.fixture
def cli(data_dir: Path) -> Cli:
    return Cli(data_dir, register)


def test_market_price_quote_buy_sell(cli: Cli) -> None:
    price = cli("market", "price", "CPU")
    base, steep, reserve = int(price["base_price_wei"]), int(price["steepness_tokens"]), int(price["reserve"])
    assert int(price["spot_price_wei"]) == m.curve_spot_price(base, steep, reserve)
    quote = cli("market", "quote-buy", "cpu", "1.5")
    expected = m.curve_buy_cost(base, steep, reserve, 3 * W // 2)
    assert (quote["amount"], quote["wei"]) == (str(3 * W // 2), str(expected))
    err = cli("market", "buy", "CPU", "1.5", "--max-cost", str(expected - 1), code=1)
    assert type(err).__name__ == "SlippageError"
    bought = cli("market", "buy", "CPU", "1.5", "--max-cost", quote["wei"])
    assert bought["wei"] == quote["wei"]
    assert bought["side"] == "buy"
    assert int(bought["tx"]["gas_used"]) > 21_000
    sell_quote = cli("market", "quote-sell", "CPU", "0.5")
    sold = cli("market", "sell", "CPU", "0.5", "--min-out", sell_quote["wei"])
    assert sold["wei"] == sell_quote["wei"]
    balance = cli("token", "balance", "CPU")
    assert int(balance["balance"]) >= W
    assert "CPU (vCPU hour)" in cli.text("market", "price", "CPU")
    assert "bought 1 CPU" in cli.text("market", "buy", "CPU", "1")


@pytest.mark.parametrize(
    "args",
    [
        ("market", "buy", "CPU", "1.0000000000000000001"),  # 19 decimals
        ("market", "buy", "CPU", "-1"),
        ("market", "buy", "CPU", "0"),
        ("market", "buy", "CPU", "ten"),
        ("market", "buy", "GPU", "1"),
        ("market", "buy", "CPU", "1", "--max-cost", "-5"),
        ("market", "buy", "CPU", "1", "--deadline", "1"),
        ("token", "balance", "native"),
        ("stake", "add", "CPU", "1", "--duration", "1h"),
        ("stake", "add", "CPU", "1", "--duration", "soon"),
        ("pool", "swap", "CPU", "GOLD", "1"),
    ],
)
def test_bad_input_exits_2(cli: Cli, args: tuple[str, ...]) -> None:
    cli(*args, code=2)


def test_pools_stake_and_orders(cli: Cli) -> None:
    cli("market", "buy", "CPU", "300")
    cli("market", "buy", "MEM", "300")
    added = cli("pool", "add", "CPU", "100", "0.2")
    assert (added["amount"], added["other_amount"]) == (str(100 * W), str(2 * W // 10))
    cli("pool", "add", "CPU", "100", "200", "--with", "MEM")
    quote = cli("pool", "quote-swap", "CPU", "MEM", "2.5")
    swapped = cli("pool", "swap", "CPU", "MEM", "2.5", "--min-out", quote["amount_out"])
    assert swapped["amount_out"] == quote["amount_out"]
    assert cli("pool", "swap", "CPU", "MEM", "1", "--min-out", str(10**30), code=1).bound == 10**30
    shown = cli("pool", "show", "CPU", "--with", "MEM")
    assert int(shown["shares_of_account"]) > 0
    removed = cli("pool", "remove", "CPU", "all", "--with", "MEM")
    assert removed["shares"] == shown["shares_of_account"]

    cli("stake", "fund", "CPU", "10")
    q = cli("stake", "quote", "CPU", "50", "--duration", "30d")
    assert q["covered"] is True
    stake = cli("stake", "add", "CPU", "50", "--duration", "30d")
    assert stake["reward"] == q["reward"] == str(m.stake_reward(50 * W, 1000, 30 * 86_400))
    shown = cli("stake", "show")
    assert shown["reserved"]["CPU"] == str(50 * W)
    assert [s["stake_id"] for s in shown["stakes"]] == [stake["stake_id"]]
    closed = cli("stake", "remove", stake["stake_id"])
    assert closed["early"] is True
    assert closed["penalty"] == str(W // 2)

    order = cli("orders", "create", "CPU", "10", "--price", str(10**15))
    assert [o["order_id"] for o in cli("orders", "list")["orders"]] == [order["order_id"]]
    fill = cli("--account", "1", "orders", "fill", order["order_id"], "4")
    assert fill["cost"] == str(4 * 10**15)
    assert fill["remaining"] == str(6 * W)
    assert cli("orders", "cancel", order["order_id"])["returned"] == str(6 * W)
    assert cli("orders", "list")["orders"] == []
    assert "open sell orders" in cli.text("orders", "list")


def test_entry_point_exit_codes_without_traceback(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--data-dir", str(data_dir), "--network", "embedded"]
    assert main([*base, "market", "price", "GPU"]) == 2
    err = capsys.readouterr().err
    assert "unknown resource 'GPU'" in err
    assert "Traceback" not in err
    assert main([*base, "--json", "market", "buy", "CPU", "1", "--max-cost", "1"]) == 1
    out = capsys.readouterr()
    assert json.loads(out.out)["error"] == "SlippageError"
    assert "Traceback" not in out.err
    assert main([*base, "market", "buy", "CPU", "1.5e-19"]) == 2
    assert "more than 18 decimals" in capsys.readouterr().err


def test_not_deployed_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path), "--network", "embedded", "market", "price", "CPU"]) == 1
    err = capsys.readouterr().err
    assert "ResourceMarket is not deployed" in err
    assert "novacron-chain deploy" in err


@pytest.fixture(scope="module")
def anvil_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A private anvil (so no other session's cached nonces go stale) with the token set recorded in a data dir."""
    path = tmp_path_factory.mktemp("anvil-chain")
    with AnvilNode() as node:
        with NovaChain.connect(load_config(overrides={"network": node.url, "data_dir": path})) as nc:
            nc.deploy(steps=deploy_steps(nc.config.blockchain))
        yield node.url, path


@pytest.mark.integration
def test_user_flow_on_anvil(anvil_data_dir: tuple[str, Path]) -> None:
    url, path = anvil_data_dir
    cli = Cli(path, register, network=url)
    quote = cli("market", "quote-buy", "CPU", "500")
    assert cli("market", "buy", "CPU", "500")["wei"] == quote["wei"]
    cli("market", "buy", "MEM", "500")
    cli("pool", "add", "CPU", "100", "200", "--with", "MEM")
    swap_quote = cli("pool", "quote-swap", "CPU", "MEM", "10")
    assert cli("pool", "swap", "CPU", "MEM", "10")["amount_out"] == swap_quote["amount_out"]
    removed = cli("pool", "remove", "CPU", "all", "--with", "MEM")
    assert int(removed["amount"]) > 0
    cli("stake", "fund", "CPU", "5")
    stake = cli("stake", "add", "CPU", "50", "--duration", "30d")
    assert cli("stake", "show")["reserved"]["CPU"] == str(50 * W)
    assert stake["reward"] == str(m.stake_reward(50 * W, 1000, 30 * 86_400))
