"""The sequencer's HTTP API (aiohttp, on the sequencer's own event loop; loopback unless told otherwise).

aiohttp was chosen after measuring: with its C HTTP parser it answered ~6,300 small POSTs/s on one core here against
~4,300 for uvicorn + starlette (h11: no httptools in the environment), and its handlers run on the loop that owns the
L2 state, so a read needs no lock and no thread hop.

=====================================  ============================================================================
``POST /v1/txs``                       wire transactions, concatenated (``application/octet-stream``), or a JSON
                                       array of ``0x`` hex strings; answers once each is soft-confirmed or refused:
                                       JSON ``{"results": [...]}``, or with ``Accept: application/octet-stream`` 41
                                       bytes per transaction (status byte: 0 soft-confirmed, 1 already known, 2+i
                                       refused for ``REASONS[i]``; digest 32; position u64)
``POST /v1/tx``                        one transaction: ``{"tx": "0x..."}`` -> its result (HTTP 422 when refused)
``GET /v1/receipts/{hash}``            soft-confirmed / posted / final (batch, L1 tx) / dropped; 404 unknown
``GET /v1/accounts/{address}``         index, nonce, balances (the soft state)
``GET /v1/accounts/{address}/proof``   Merkle proof of the account against the current root (and whether posted)
``GET /v1/withdrawals/{i}/proof``      proof of withdrawal ``i`` against a posted batch's header (``?batch=``)
``GET /v1/status``, ``/v1/batches``    counters and the batches
``GET /v1/info``                       rollup address, L2 chain id, token addresses: what a wallet signs for
``GET /metrics``, ``/healthz``         Prometheus text (L1 and L2 series), liveness
=====================================  ============================================================================
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
from typing import TYPE_CHECKING, Any

from ..errors import NovaChainError, NovaValueError
from ._codec import address_bytes, checksum
from ._types import REASONS

if TYPE_CHECKING:
    from aiohttp import web

    from ..metrics import BlockchainMetrics, L2Metrics
    from ._sequencer import Sequencer, TxResult

__all__ = ["SequencerServer", "encode_results"]

_RESULT = struct.Struct(">B32sQ")
_REASON_CODE = {r: i + 2 for i, r in enumerate(REASONS)}
#: the largest body ``POST /v1/txs`` takes (about 150,000 transfers)
MAX_BODY = 16 * 1024 * 1024


def encode_results(results: list[TxResult]) -> bytes:
    """The binary answer of ``POST /v1/txs``: 41 bytes per transaction."""
    out = bytearray()
    for r in results:
        code = (1 if r.duplicate else 0) if r.reason is None else _REASON_CODE.get(r.reason, 255)
        out += _RESULT.pack(code, r.tx_hash, r.position or 0)
    return bytes(out)


def decode_results(data: bytes) -> list[tuple[str, bytes, int]]:
    """Read :func:`encode_results` back: ``(status or reason, digest, position)`` per transaction."""
    out = []
    for i in range(0, len(data) - len(data) % _RESULT.size, _RESULT.size):
        code, digest, position = _RESULT.unpack_from(data, i)
        what = (
            "soft-confirmed"
            if code == 0
            else "known"
            if code == 1
            else REASONS[code - 2]
            if code - 2 < len(REASONS)
            else "refused"
        )
        out.append((what, bytes(digest), int(position)))
    return out


def _json(data: Any, status: int = 200) -> web.Response:
    from aiohttp import web

    return web.Response(text=json.dumps(data, default=str), status=status, content_type="application/json")


def _problem(status: int, message: str, hint: str | None = None) -> web.Response:
    body: dict[str, Any] = {"error": message}
    if hint:
        body["hint"] = hint
    return _json(body, status)


class SequencerServer:
    """Serve ``sequencer`` over HTTP on ``host:port`` (``port=0``: any free port, read :attr:`url`)."""

    def __init__(
        self,
        sequencer: Sequencer,
        host: str = "127.0.0.1",
        port: int = 8547,
        *,
        allow_remote: bool = False,
        chain_metrics: list[BlockchainMetrics] | None = None,
        l2_metrics: L2Metrics | None = None,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1") and not allow_remote:
            raise NovaValueError(
                f"refusing to serve the sequencer on {host}: it accepts transactions from anyone who can reach it",
                hint="keep the loopback address, or pass --allow-remote behind a firewall or proxy",
            )
        self.sequencer = sequencer
        self.host = host
        self.port = port
        self.chain_metrics = chain_metrics or []
        self.l2_metrics = l2_metrics
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """``http://host:port``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> SequencerServer:
        """Bind and serve on the sequencer's loop."""
        self.sequencer.call(self._start(), timeout=30)
        return self

    async def _start(self) -> None:
        from aiohttp import web

        app = web.Application(client_max_size=MAX_BODY)
        r = app.router
        r.add_post("/v1/txs", self._txs)
        r.add_post("/v1/tx", self._tx)
        r.add_get("/v1/receipts/{hash}", self._receipt)
        r.add_get("/v1/accounts/{address}", self._account)
        r.add_get("/v1/accounts/{address}/proof", self._proof)
        r.add_get("/v1/withdrawals/{index}/proof", self._withdrawal_proof)
        r.add_get("/v1/status", self._status)
        r.add_get("/v1/batches", self._batches)
        r.add_get("/v1/info", self._info)
        r.add_post("/v1/flush", self._flush)
        r.add_get("/metrics", self._metrics)
        r.add_get("/healthz", self._health)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise NovaValueError(
                f"cannot serve the sequencer on {self.host}:{self.port}: {exc.strerror or exc}",
                hint="choose another --port (0 picks a free one) or stop the process holding it",
            ) from exc
        server = site._server
        if self.port == 0 and server is not None:
            sockets = getattr(server, "sockets", None) or []
            if sockets:
                self.port = int(sockets[0].getsockname()[1])
        self._runner = runner

    def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            with contextlib.suppress(Exception):  # the loop may be gone at shutdown
                self.sequencer.call(runner.cleanup(), timeout=10)

    # -- handlers ------------------------------------------------------------------------------------------------

    async def _txs(self, request: web.Request) -> web.Response:
        from aiohttp import web

        body = await request.read()
        if request.content_type == "application/json":
            try:
                items = json.loads(body)
                blob = b"".join(bytes.fromhex(str(x).removeprefix("0x")) for x in items)
            except (ValueError, TypeError):
                return _problem(400, "the body is not a JSON array of 0x hex transactions")
        else:
            blob = body
        try:
            results, error = await self.sequencer.submit(blob)
        except NovaChainError as exc:
            return _problem(503, exc.message, exc.hint)
        if "application/octet-stream" in request.headers.get("Accept", ""):
            headers = {"X-Malformed": error} if error else None
            return web.Response(body=encode_results(results), content_type="application/octet-stream", headers=headers)
        out: dict[str, Any] = {"results": [r.to_dict() for r in results]}
        if error:
            out["malformed"] = error
        return _json(out, 200 if results or not error else 400)

    async def _tx(self, request: web.Request) -> web.Response:
        try:
            data = await request.json()
            blob = bytes.fromhex(str(data["tx"]).removeprefix("0x"))
        except (ValueError, TypeError, KeyError):
            return _problem(400, 'the body must be {"tx": "0x<wire transaction>"}')
        results, error = await self.sequencer.submit(blob)
        if not results:
            return _problem(400, f"malformed transaction: {error}", "build it with novacron-chain l2 transfer")
        (result,) = results[:1]
        out = result.to_dict()
        if result.reason is not None:
            from ._errors import REASON_HINTS

            out["hint"] = REASON_HINTS.get(result.reason)
            return _json(out, 422)
        return _json(out)

    async def _receipt(self, request: web.Request) -> web.Response:
        try:
            tx_hash = bytes.fromhex(request.match_info["hash"].removeprefix("0x"))
        except ValueError:
            return _problem(400, "not a transaction hash (0x + 64 hex digits)")
        receipt = self.sequencer.receipt(tx_hash)
        if receipt is None:
            below = self.sequencer.forgotten_below
            hint = (
                "it was never soft-confirmed here"
                if not below
                else f"it was never soft-confirmed here, or it is in a final batch below {below}, whose receipts this "
                "sequencer no longer keeps (the batches are on L1: `novacron-chain l2 verify` rebuilds them)"
            )
            return _problem(404, f"unknown transaction 0x{tx_hash.hex()}", hint)
        return _json(receipt)

    def _address(self, request: web.Request) -> bytes:
        return address_bytes(request.match_info["address"])

    async def _account(self, request: web.Request) -> web.Response:
        try:
            address = self._address(request)
        except NovaValueError as exc:
            return _problem(400, exc.message, exc.hint)
        info = self.sequencer.account_info(address)
        if info is None:
            return _problem(404, f"no L2 account for {checksum(address)}", "deposit to create one")
        return _json(info)

    async def _proof(self, request: web.Request) -> web.Response:
        try:
            address = self._address(request)
        except NovaValueError as exc:
            return _problem(400, exc.message, exc.hint)
        found = self.sequencer.account_proof(address)
        if found is None:
            return _problem(404, f"no L2 account for {checksum(address)}", "deposit to create one")
        proof, posted = found
        return _json({**proof.to_dict(), "root": "0x" + proof.root.hex(), "posted": posted})

    async def _withdrawal_proof(self, request: web.Request) -> web.Response:
        try:
            index = int(request.match_info["index"])
            batch = request.query.get("batch")
            proof = self.sequencer.withdrawal_proof(index, None if batch is None else int(batch))
            batch_index = self.sequencer.batch_of_withdrawal(proof)
        except ValueError:
            return _problem(400, "the withdrawal index and ?batch= must be integers")
        except NovaChainError as exc:
            return _problem(404, exc.message, exc.hint)
        return _json({**proof.to_dict(), "batch": batch_index, "root": "0x" + proof.root.hex()})

    async def _status(self, request: web.Request) -> web.Response:
        return _json(self.sequencer.status())

    async def _batches(self, request: web.Request) -> web.Response:
        return _json({"batches": self.sequencer.batches()})

    async def _info(self, request: web.Request) -> web.Response:
        seq = self.sequencer
        state = seq.state
        assert state is not None
        return _json(
            {
                "rollup": seq.l1.address,
                "portal": str(seq.l1.portal.address),
                "l2_chain_id": state.domain.chain_id,
                "l1_chain_id": seq.l1.chain.chain_id,
                "tokens": [checksum(t) if any(t) else None for t in state.tokens],
                "fee_recipient": checksum(state.address(0)),
            }
        )

    async def _flush(self, request: web.Request) -> web.Response:
        self.sequencer.flush_batch()
        await asyncio.sleep(0)
        return _json({"ok": True})

    async def _metrics(self, request: web.Request) -> web.Response:
        from aiohttp import web
        from prometheus_client import generate_latest

        from ..metrics import l2_registry

        chain = self.chain_metrics
        l2 = [self.l2_metrics] if self.l2_metrics is not None else []
        if not chain and not l2:
            return _problem(404, "no metrics are kept by this sequencer")
        text = generate_latest(l2_registry(chain, l2)) if chain else b""
        return web.Response(body=text, content_type="text/plain", charset="utf-8")

    async def _health(self, request: web.Request) -> web.Response:
        from aiohttp import web

        return web.Response(text="ok\n")
