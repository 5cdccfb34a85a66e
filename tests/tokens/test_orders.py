"""The peer-to-peer order book: escrowed sell orders, partial fills paid to the seller, cancel, listing."""

from __future__ import annotations

import pytest

from novacron_chain import NovaChain
from novacron_chain.tokens import InsufficientTokensError, Resource, TokenValueError, UnknownPositionError
from novacron_chain.tokens import _math as m

from .conftest import W


def test_create_list_fill_cancel(tnova: NovaChain) -> None:
    tm, chain = tnova.tokens, tnova.chain
    seller, buyer = chain.signer, chain.dev_signer(1)
    tm.buy(Resource.NET, 1_000 * W)
    price = 3 * 10**13 + 1  # wei per whole token: fills round up
    order = tm.create_order(Resource.NET, 600 * W, price)
    assert (order.seller, order.resource, order.amount, order.price) == (seller.address, Resource.NET, 600 * W, price)
    assert tm.balance("NET") == 400 * W
    assert tm.balance("NET", tm.order_book.address) == 600 * W
    other = tm.create_order(Resource.NET, 100 * W, 10**14)
    assert [o.order_id for o in tm.list_orders()] == [order.order_id, other.order_id]
    assert [o.order_id for o in tm.list_orders(resource="NET", seller=seller.address)] == [
        order.order_id,
        other.order_id,
    ]
    assert tm.list_orders(resource="CPU") == []

    chain.use_signer(buyer)
    amount = 250 * W + 3
    cost = tm.quote_fill(order.order_id, amount)
    assert cost == m.order_fill_cost(amount, price)
    seller_before, buyer_before = chain.balance(seller.address), chain.balance(buyer.address)
    fill = tm.fill_order(order.order_id, amount)  # the seller is found from the order's event
    assert (fill.seller, fill.amount, fill.cost, fill.remaining) == (seller.address, amount, cost, 600 * W - amount)
    assert chain.balance(seller.address) == seller_before + cost
    assert chain.balance(buyer.address) == buyer_before - cost - fill.tx.fee_wei
    assert tm.balance("NET", buyer.address) == amount
    with pytest.raises(UnknownPositionError):
        tm.cancel_order(order.order_id)  # not the buyer's order
    with pytest.raises(TokenValueError, match="left"):
        tm.fill_order(order.order_id, 600 * W)

    chain.use_signer(seller)
    cancelled = tm.cancel_order(order.order_id)
    assert cancelled.returned == 600 * W - amount
    assert tm.balance("NET") == 300 * W + 600 * W - amount  # the other order stays escrowed
    assert [o.order_id for o in tm.list_orders()] == [other.order_id]
    with pytest.raises(UnknownPositionError, match="not open"):
        tm.get_order(order.order_id)


def test_order_errors(tnova: NovaChain) -> None:
    tm = tnova.tokens
    with pytest.raises(InsufficientTokensError):
        tm.create_order("CPU", W, 10**15)
    with pytest.raises(TokenValueError, match="price"):
        tm.create_order("CPU", W, 0)
    with pytest.raises(UnknownPositionError, match="no order 999 was ever placed"):
        tm.fill_order(999, W)
