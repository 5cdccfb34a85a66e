"""The ZK contracts from Python: EIP-2537 encodings of Groth16 keys and proofs, the capacity registry's context and
claim digest, and :class:`CapacityRegistryClient`, which registers capacity with a proof and reads registrations.

On chain, ``Groth16Verifier`` checks a BLS12-381 Groth16 proof with one G1MSM and one 4-pair PAIRING_CHECK (EIP-2537,
Prague), and ``CapacityRegistry`` accepts a provider's capacity when the proof shows that an issuer-certified,
committed figure covers it. Encodings (EIP-2537): Fp 64 bytes (16 zero bytes + 48 bytes big-endian), G1 128 bytes
(x, y), G2 256 bytes (x.c0, x.c1, y.c0, y.c1), infinity all zeros; a proof is A || B || C (512 bytes); a verifying
key alpha || beta || gamma || delta || IC[0..n]. Keys and proofs are read from snarkjs's JSON shape.

Verifier calls always carry an explicit gas limit: a verifier short of gas would answer "invalid", so gas estimation
is not trusted for them (the contracts also refuse to run short of gas, with an error that says so).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eth_abi import encode as abi_encode
from eth_utils import keccak

from ..chain import checksum
from ..errors import NovaValueError
from ..tokens import Resource

if TYPE_CHECKING:
    from web3.contract import Contract

    from ..chain import Chain, Receipt, Signer
    from ._types import ZkCredential

__all__ = [
    "BASE_FIELD",
    "CAPACITY_CONTEXT_TAG",
    "CLAIM_DOMAIN_SEPARATOR",
    "CLAIM_NAMES",
    "COMMITTED_CLAIM_TYPEHASH",
    "MAX_AMOUNT",
    "ONCHAIN_ERROR_HINTS",
    "OP_GE",
    "PROOF_LENGTH",
    "REGISTER_GAS",
    "SCALAR_FIELD",
    "CapacityRecord",
    "CapacityRegistration",
    "CapacityRegistryClient",
    "CommittedClaim",
    "capacity_context",
    "committed_claim_digest",
    "encode_g1",
    "encode_g2",
    "encode_proof",
    "encode_verifying_key",
    "sign_committed_claim",
]

#: r, the order of BLS12-381's groups: public inputs are below it
SCALAR_FIELD = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
#: p, BLS12-381's base field: point coordinates are below it
BASE_FIELD = int(
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab",
    16,
)
#: length of an encoded proof: A (128) || B (256) || C (128)
PROOF_LENGTH = 512
#: the circuit's code of "value >= threshold" (CapacityRegistry.OP_GE)
OP_GE = 1
#: the largest amount the 64-bit comparison takes
MAX_AMOUNT = 2**64 - 1
#: keccak256("NovaCron.CapacityRegistry.v1"), CapacityRegistry.CONTEXT_TAG
CAPACITY_CONTEXT_TAG = keccak(b"NovaCron.CapacityRegistry.v1")
#: EIP-712 type of the issuer's signature over a committed claim
COMMITTED_CLAIM_TYPEHASH = keccak(
    b"CommittedClaim(address issuer,address subject,bytes32 credentialId,string claim,uint256 commitment,"
    b"uint64 expiresAt)"
)
#: EIP-712 domain of committed claims: name "NovaCron Committed Credential", version "1" (no chain, no contract)
CLAIM_DOMAIN_SEPARATOR = keccak(
    keccak(b"EIP712Domain(string name,string version)") + keccak(b"NovaCron Committed Credential") + keccak(b"1")
)
#: the claim a resource's capacity is certified under (CapacityRegistry.claimNameOf)
CLAIM_NAMES: dict[Resource, str] = {
    Resource.CPU: "cpu",
    Resource.MEM: "memory",
    Resource.STO: "storage",
    Resource.NET: "network",
}
#: gas sent with a registration: the verifier's fixed precompile prices (about 207k) plus the registry's checks,
#: storage and event, with a margin (measured: see benchmarks and test/forge/zk); never estimated
REGISTER_GAS = 500_000

#: hints for the custom errors of Groth16Verifier and CapacityRegistry (merged into zk's ERROR_HINTS)
ONCHAIN_ERROR_HINTS: dict[str, str] = {
    "Groth16VerifyingKeyLength": "a verifying key is alpha || beta || gamma || delta || IC[0..n] in EIP-2537 "
    "encoding (896 + 128 * (n + 1) bytes, 1 <= n <= 16): encode the snarkjs verification key with "
    "novacron_chain.zk encode_verifying_key",
    "Groth16InvalidVerifyingKey": "a point of the verifying key is not on BLS12-381 or not in its subgroup: the key "
    "file is damaged or for another curve (BN254?); use the circuit's committed BLS12-381 key",
    "Groth16ProofLength": "a proof on chain is A || B || C uncompressed (512 bytes, EIP-2537 encodings): encode it "
    "with encode_proof",
    "Groth16InputCount": "the circuit takes a fixed number of public inputs (4: commitment, op, threshold, context)",
    "Groth16InputOutOfField": "every public input must be below the BLS12-381 scalar field order r",
    "Groth16InsufficientGas": "the verification needs its precompiles' fixed gas: send the call with at least "
    "verificationGas() gas (gas estimation under-estimates verifiers)",
    "CapacityRegistryZeroAddress": "the DIDRegistry, the verifier and every trusted issuer must be real addresses",
    "CapacityRegistryVerifierInputs": "the capacity registry needs the credential predicate circuit's verifier "
    "(4 public inputs): deploy Groth16Verifier with that circuit's key",
    "CapacityRegistryInvalidAmount": "offer between 1 and 2^64 - 1 units (CPU cores, MiB of memory, GiB of "
    "storage, Mbit/s of network)",
    "CapacityRegistryUntrustedIssuer": "the credential's issuer is not trusted by this registry: the admin (the "
    "timelock in production) adds issuers with setTrustedIssuer; or get a credential from a trusted issuer",
    "CapacityRegistryIssuerDeactivated": "the issuer's DID was deactivated in the DIDRegistry: its credentials no "
    "longer count; get a credential from an active issuer",
    "CapacityRegistryBadIssuerSignature": "the issuer did not sign this commitment for this provider and resource "
    "(wrong credential, another subject or claim, an altered commitment or expiry, or a signer that is neither the "
    "issuer's owner nor a valid veriKey delegate)",
    "CapacityRegistryCredentialRevoked": "the issuer revoked this credential in the DIDRegistry: ask the issuer for a "
    "new one",
    "CapacityRegistryCredentialExpired": "the credential expired: ask the issuer to certify the figure again",
    "CapacityRegistryCommitmentOutOfField": "a commitment is a BLS12-381 field element (below r): the credential's "
    "commitment is damaged",
    "CapacityRegistryNonceUsed": "this proof's nonce was already used (a replay): make a new proof for the "
    "provider's next nonce (nonceOf)",
    "CapacityRegistryWrongNonce": "proofs are bound to the provider's next nonce (nonceOf): make the proof for that "
    "nonce",
    "CapacityRegistryInvalidProof": "the proof does not verify for this commitment, amount, provider, nonce, chain "
    "and registry: it was altered or made for other values, or the certified figure is below the amount offered",
    "CapacityRegistryNotRegistered": "the provider has no registration of this resource to withdraw",
    "CapacityRegistryInsufficientGas": "the proof check needs more gas than the transaction had left: send it with "
    f"more gas ({REGISTER_GAS:,} is enough)",
}


# -- encodings ------------------------------------------------------------------------------------------------------


def _int(value: Any, what: str) -> int:
    try:
        v = int(value, 0) if isinstance(value, str) and value.lower().startswith("0x") else int(value)
    except (TypeError, ValueError) as exc:
        raise NovaValueError(f"{what} is not an integer: {value!r}", hint="use decimal or 0x-hex strings") from exc
    return v


def _fp(value: Any, what: str) -> bytes:
    v = _int(value, what)
    if not 0 <= v < BASE_FIELD:
        raise NovaValueError(f"{what} is not below the BLS12-381 base field modulus p", hint="is it a BN254 key?")
    return bytes(16) + v.to_bytes(48, "big")


def _is_pair(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str)


def _affine(point: Sequence[Any], what: str) -> tuple[Sequence[Any], bool]:
    """(coordinates, is_infinity) of a snarkjs point [x, y] or [x, y, z] with z 1 (or [1, 0]) or 0 (infinity)."""
    if not _is_pair(point) or len(point) not in (2, 3):
        raise NovaValueError(f"{what} is not a point [x, y, z]", hint="expected snarkjs's JSON shape")
    if len(point) == 3:
        z = [_int(c, what) for c in point[2]] if _is_pair(point[2]) else [_int(point[2], what)]
        if not any(z):
            return point, True
        if z[0] != 1 or any(z[1:]):
            raise NovaValueError(f"{what} is not in affine form (z is not 1)", hint="export it with snarkjs")
    return point, False


def encode_g1(point: Sequence[Any], what: str = "G1 point") -> bytes:
    """A G1 point from snarkjs's JSON ([x, y, "1"]; z "0" = infinity) as 128 bytes (EIP-2537)."""
    p, infinity = _affine(point, what)
    if infinity:
        return bytes(128)
    return _fp(p[0], f"{what}.x") + _fp(p[1], f"{what}.y")


def encode_g2(point: Sequence[Any], what: str = "G2 point") -> bytes:
    """A G2 point from snarkjs's JSON ([[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]) as 256 bytes (EIP-2537)."""
    p, infinity = _affine(point, what)
    if infinity:
        return bytes(256)
    out = b""
    for i, coord in enumerate(p[:2]):
        if not _is_pair(coord) or len(coord) != 2:
            raise NovaValueError(f"{what} coordinate {i} is not an Fp2 pair [c0, c1]", hint="is it a G1 point?")
        out += _fp(coord[0], f"{what}[{i}].c0") + _fp(coord[1], f"{what}[{i}].c1")
    return out


def encode_verifying_key(vk: Mapping[str, Any]) -> bytes:
    """A Groth16 verifying key (snarkjs's ``verification_key.json``) as the Groth16Verifier constructor takes it:
    alpha || beta || gamma || delta || IC[0..n]."""
    try:
        curve = str(vk.get("curve", "bls12381")).lower()
        if curve not in ("bls12381", "bls12_381", "bls12-381"):
            raise NovaValueError(f"the verifying key is for curve {curve!r}", hint="the verifier is BLS12-381 only")
        ic = vk["IC"]
        key = (
            encode_g1(vk["vk_alpha_1"], "vk_alpha_1")
            + encode_g2(vk["vk_beta_2"], "vk_beta_2")
            + encode_g2(vk["vk_gamma_2"], "vk_gamma_2")
            + encode_g2(vk["vk_delta_2"], "vk_delta_2")
            + b"".join(encode_g1(p, f"IC[{i}]") for i, p in enumerate(ic))
        )
    except KeyError as exc:
        raise NovaValueError(f"the verifying key has no {exc.args[0]!r}", hint="expected snarkjs's JSON") from exc
    n = len(ic) - 1
    if not 1 <= n <= 16 or ("nPublic" in vk and int(vk["nPublic"]) != n):
        raise NovaValueError(f"the verifying key has {n} public inputs (IC has {len(ic)} points)", hint="1 to 16")
    return key


def encode_proof(proof: Mapping[str, Any] | bytes) -> bytes:
    """A Groth16 proof (snarkjs's ``proof.json``: pi_a, pi_b, pi_c; or already-encoded bytes) as 512 bytes."""
    if isinstance(proof, bytes | bytearray):
        if len(proof) != PROOF_LENGTH:
            raise NovaValueError(
                f"an encoded proof is {PROOF_LENGTH} bytes, not {len(proof)}",
                hint="A || B || C uncompressed in EIP-2537 encoding",
            )
        return bytes(proof)
    try:
        return encode_g1(proof["pi_a"], "pi_a") + encode_g2(proof["pi_b"], "pi_b") + encode_g1(proof["pi_c"], "pi_c")
    except KeyError as exc:
        raise NovaValueError(f"the proof has no {exc.args[0]!r}", hint="expected snarkjs's JSON shape") from exc


# -- the capacity registry's context and claim digest ---------------------------------------------------------------


def capacity_context(chain_id: int, registry: str, provider: str, nonce: int) -> int:
    """The proof context CapacityRegistry builds for ``provider`` and ``nonce`` (its ``contextOf``):
    ``keccak256(abi.encode(CONTEXT_TAG, chainId, registry, provider, nonce)) mod r``."""
    data = abi_encode(
        ["bytes32", "uint256", "address", "address", "uint256"],
        [CAPACITY_CONTEXT_TAG, chain_id, checksum(registry, "registry"), checksum(provider, "provider"), nonce],
    )
    return int.from_bytes(keccak(data), "big") % SCALAR_FIELD


def committed_claim_digest(
    issuer: str, subject: str, credential_id: bytes, claim: str, commitment: int, expires_at: int = 0
) -> bytes:
    """The EIP-712 digest an issuer signs over a committed claim (CapacityRegistry.claimDigest)."""
    if len(credential_id) != 32:
        raise NovaValueError("a credential id is 32 bytes (keccak256 of the credential's id)")
    struct = keccak(
        abi_encode(
            ["bytes32", "address", "address", "bytes32", "bytes32", "uint256", "uint64"],
            [
                COMMITTED_CLAIM_TYPEHASH,
                checksum(issuer, "issuer"),
                checksum(subject, "subject"),
                credential_id,
                keccak(claim.encode()),
                commitment,
                expires_at,
            ],
        )
    )
    return keccak(b"\x19\x01" + CLAIM_DOMAIN_SEPARATOR + struct)


def sign_committed_claim(
    signer: Signer, issuer: str, subject: str, credential_id: bytes, claim: str, commitment: int, expires_at: int = 0
) -> bytes:
    """The issuer's 65-byte signature (r || s || v) over :func:`committed_claim_digest`."""
    v, r, s = signer.sign_hash(committed_claim_digest(issuer, subject, credential_id, claim, commitment, expires_at))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes((v,))


# -- records --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommittedClaim:
    """The issuer-signed part of a credential that a capacity registration presents."""

    issuer: str
    """The issuer's identity (did:novacron address)."""
    credential_id: bytes
    """keccak256 of the credential's ``id``: its key in the DIDRegistry's revocation registry."""
    commitment: int
    """The commitment to the claim's value (below r)."""
    signature: bytes
    """The issuer's signature over :func:`committed_claim_digest` (65 bytes)."""
    expires_at: int = 0
    """When the credential expires (unix seconds; 0: never)."""

    def as_tuple(self) -> tuple[str, bytes, int, int, bytes]:
        """The contract's ``CommittedClaim`` struct."""
        return (checksum(self.issuer, "issuer"), self.credential_id, self.commitment, self.expires_at, self.signature)


@dataclass(frozen=True)
class CapacityRecord:
    """A provider's registration of one resource as the registry holds it (``amount`` 0: none)."""

    provider: str
    resource: Resource
    amount: int
    commitment: int
    issuer: str
    credential_id: bytes
    expires_at: int
    registered_at: int
    active: bool
    """Whether it counts now (credential not revoked or expired, issuer trusted and active)."""


@dataclass(frozen=True)
class CapacityRegistration:
    """One ``CapacityRegistered`` event."""

    provider: str
    resource: Resource
    amount: int
    commitment: int
    issuer: str
    credential_id: bytes
    nonce: int
    block: int
    tx_hash: str


# -- the client -----------------------------------------------------------------------------------------------------


class CapacityRegistryClient:
    """Calls of one deployed ``CapacityRegistry`` (and its verifier) on ``chain``."""

    def __init__(self, chain: Chain, address: str) -> None:
        self.chain = chain
        self.registry: Contract = chain.contract("CapacityRegistry", checksum(address, "CapacityRegistry address"))
        self._verifier: Contract | None = None

    @property
    def address(self) -> str:
        """The registry's address."""
        return str(self.registry.address)

    @property
    def verifier(self) -> Contract:
        """The registry's Groth16Verifier."""
        if self._verifier is None:
            with self.chain.mapped("reading the verifier address", address=self.address):
                address = self.chain.call(self.registry.functions.verifier())
            self._verifier = self.chain.contract("Groth16Verifier", address)
        return self._verifier

    # reads

    def nonce_of(self, provider: str) -> int:
        """The nonce the provider's next proof must be bound to."""
        return int(self.chain.call(self.registry.functions.nonceOf(checksum(provider, "provider"))))

    def context_of(self, provider: str, nonce: int | None = None) -> int:
        """The context (the circuit's fourth public input) of ``provider``'s proof for ``nonce`` (default: its next
        nonce), computed here and identical to the registry's ``contextOf``."""
        if nonce is None:
            nonce = self.nonce_of(provider)
        return capacity_context(self.chain.chain_id, self.address, provider, nonce)

    def is_trusted_issuer(self, issuer: str) -> bool:
        """Whether the registry accepts ``issuer``'s credentials."""
        return bool(self.chain.call(self.registry.functions.isTrustedIssuer(checksum(issuer, "issuer"))))

    def capacity_of(self, provider: str, resource: Resource | str | int) -> CapacityRecord:
        """The provider's registration of ``resource`` (``amount`` 0 when none) and whether it counts now."""
        res = Resource.parse(resource)
        who = checksum(provider, "provider")
        raw, active = self.chain.call_many(
            [self.registry.functions.capacityOf(who, int(res)), self.registry.functions.isActive(who, int(res))]
        )
        amount, expires_at, registered_at, issuer, credential_id, commitment = raw
        return CapacityRecord(
            provider=who,
            resource=res,
            amount=int(amount),
            commitment=int(commitment),
            issuer=checksum(issuer),
            credential_id=bytes(credential_id),
            expires_at=int(expires_at),
            registered_at=int(registered_at),
            active=bool(active),
        )

    def active_capacity(self, provider: str, resource: Resource | str | int) -> int:
        """What the market may match against: the registered amount while it counts, else 0."""
        res = Resource.parse(resource)
        return int(self.chain.call(self.registry.functions.activeCapacity(checksum(provider, "provider"), int(res))))

    def registrations(
        self, provider: str | None = None, *, from_block: int = 0, to_block: int | str = "latest"
    ) -> list[CapacityRegistration]:
        """``CapacityRegistered`` events, oldest first (of one provider, or all)."""
        filters: dict[str, Any] = {}
        if provider is not None:
            filters["provider"] = checksum(provider, "provider")
        with self.chain.mapped("reading CapacityRegistered events", address=self.address):
            logs = self.registry.events.CapacityRegistered.get_logs(
                from_block=from_block, to_block=to_block, argument_filters=filters or None
            )
        return [_registration(log) for log in logs]

    # writes

    def register_capacity(
        self,
        resource: Resource | str | int,
        amount: int,
        claim: CommittedClaim,
        proof: Mapping[str, Any] | bytes,
        *,
        nonce: int | None = None,
        sender: Signer | None = None,
        gas: int = REGISTER_GAS,
        precheck: bool = True,
    ) -> CapacityRegistration:
        """Register ``amount`` of ``resource`` for the sender with ``proof`` (made for the sender's nonce: default
        its next one). Sent with a fixed ``gas`` limit, never an estimate. Contract refusals raise the chain's
        typed errors with the hints of :data:`ONCHAIN_ERROR_HINTS`.

        With ``precheck`` (the default) the proof is first verified here (~3 ms) against the public inputs the
        registry will build, with the committed ``compare`` key: a proof that would fail on chain raises
        :class:`~novacron_chain.zk.ZkProofInvalidError` without spending gas."""
        res = Resource.parse(resource)
        _check_amount(amount, res)
        if not 0 <= claim.commitment < SCALAR_FIELD:
            raise NovaValueError("the commitment is not below r", hint="the credential's commitment is damaged")
        if len(claim.signature) != 65:
            raise NovaValueError(f"the issuer's signature is {len(claim.signature)} bytes, not 65")
        encoded = encode_proof(proof)
        who = (sender or self.chain.signer).address
        if nonce is None:
            nonce = self.nonce_of(who)
        if precheck:
            self._precheck(encoded, [claim.commitment, OP_GE, amount, self.context_of(who, nonce)], who, nonce)
        fn = self.registry.functions.registerCapacity(int(res), amount, claim.as_tuple(), nonce, encoded)
        receipt = self.chain.transact(fn, gas=gas, sender=sender)
        return self._registered(receipt)

    def register_with_credential(
        self,
        credential: ZkCredential,
        resource: Resource | str | int,
        amount: int,
        *,
        sender: Signer | None = None,
        gas: int = REGISTER_GAS,
    ) -> CapacityRegistration:
        """Register ``amount`` of ``resource`` for the sender, proven from the holder's committed ``credential``
        (:meth:`~novacron_chain.zk.ZkManager.issue_zk_credential`): its ``cpu`` / ``memory`` / ``storage`` /
        ``network`` claim must be >= ``amount``. The proof is made here for the sender's next nonce; the certified
        figure never leaves this process. :class:`~novacron_chain.zk.StatementFalseError` when it is below
        ``amount``."""
        from ..did import parse_did
        from ._errors import ClaimNotCommittedError

        res = Resource.parse(resource)
        _check_amount(amount, res)
        name = CLAIM_NAMES[res]
        opening = credential.openings.get(name)
        if opening is None:
            raise ClaimNotCommittedError(
                name, f"the credential commits to no {name!r} claim (it has {', '.join(sorted(credential.openings))})"
            )
        who = (sender or self.chain.signer).address
        issuer, subject = parse_did(credential.issuer).address, parse_did(credential.subject).address
        if subject != who:
            raise NovaValueError(
                f"the credential's subject is {subject}, not the sender {who}",
                hint="register capacity from the account of the credential's subject (the provider's DID)",
            )
        claim = credential.committed_claim(name, issuer, subject, keccak(credential.credential_id.encode()))
        nonce = self.nonce_of(who)
        proof, _ = self.prove_capacity(who, amount, value=opening.encoded, salt=opening.salt, nonce=nonce)
        return self.register_capacity(
            res, amount, claim.to_onchain(), proof, nonce=nonce, sender=sender, gas=gas, precheck=False
        )

    def withdraw_capacity(self, resource: Resource | str | int, *, sender: Signer | None = None) -> Receipt:
        """Withdraw the sender's registration of ``resource``."""
        res = Resource.parse(resource)
        return self.chain.transact(self.registry.functions.withdrawCapacity(int(res)), sender=sender)

    def set_trusted_issuer(self, issuer: str, trusted: bool = True, *, sender: Signer | None = None) -> Receipt:
        """Trust (or stop trusting) ``issuer``'s credentials; the admin's call."""
        fn = self.registry.functions.setTrustedIssuer(checksum(issuer, "issuer"), trusted)
        return self.chain.transact(fn, sender=sender)

    def verify_proof(self, proof: Mapping[str, Any] | bytes, public_inputs: Sequence[int]) -> bool:
        """The verifier's answer for ``proof`` and ``public_inputs`` (a view call with an explicit gas limit)."""
        for i, v in enumerate(public_inputs):
            if not 0 <= int(v) < SCALAR_FIELD:
                raise NovaValueError(f"public input {i} is not below r", hint="reduce it modulo r")
        fn = self.verifier.functions.verifyProof(encode_proof(proof), [int(v) for v in public_inputs])
        with self.chain.mapped("verifying a proof on chain", address=str(self.verifier.address)):
            gas = int(self.chain.call(self.verifier.functions.verificationGas()))
            return bool(fn.call({"gas": gas + 30_000}))

    def prove_capacity(
        self, provider: str, amount: int, *, value: int, salt: int, nonce: int | None = None
    ) -> tuple[bytes, list[int]]:
        """The proof (512 bytes) that the committed ``value`` (opened with ``salt``) is >= ``amount``, bound to this
        registry's context for ``provider`` and ``nonce`` (default: its next one), and its public inputs.
        Raises :class:`~novacron_chain.zk.StatementFalseError` when ``value`` < ``amount``."""
        from ._circuits import prove_predicate

        ctx = self.context_of(provider, nonce)
        proof, publics = prove_predicate("compare", value=value, salt=salt, context=ctx, op=OP_GE, threshold=amount)
        return proof.to_eip2537(), publics

    def _precheck(self, encoded: bytes, publics: list[int], provider: str, nonce: int) -> None:
        from ._circuits import verify_predicate
        from ._errors import ZkProofInvalidError
        from ._groth16 import Groth16Proof

        try:
            ok = verify_predicate("compare", Groth16Proof.from_eip2537(encoded), publics)
        except ValueError as exc:
            raise ZkProofInvalidError("malformed", f"the proof's points are not valid BLS12-381 points: {exc}") from exc
        if not ok:
            raise ZkProofInvalidError(
                "proof_invalid",
                f"the proof does not verify for commitment {publics[0]}, amount {publics[2]} and the registry's "
                f"context of {provider} at nonce {nonce}: it was made for other values, or altered (nothing sent)",
            )

    def _registered(self, receipt: Receipt) -> CapacityRegistration:
        events = list(_decode(self.registry, receipt))
        if not events:  # pragma: no cover - the contract always emits it
            raise NovaValueError(f"transaction {receipt.tx_hash} registered nothing")
        return events[0]


def _check_amount(amount: object, resource: Resource) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount <= MAX_AMOUNT:
        raise NovaValueError(
            f"capacity amount {amount!r} is not an integer from 1 to 2^64 - 1",
            hint=f"offer a whole number of units of the {CLAIM_NAMES[resource]!r} claim",
        )


def _decode(registry: Contract, receipt: Receipt) -> Iterable[CapacityRegistration]:
    from web3.logs import DISCARD

    for log in registry.events.CapacityRegistered().process_receipt(receipt.raw, errors=DISCARD):
        yield _registration(log)


def _registration(log: Any) -> CapacityRegistration:
    a = log["args"]
    return CapacityRegistration(
        provider=checksum(a["provider"]),
        resource=Resource(int(a["resource"])),
        amount=int(a["amount"]),
        commitment=int(a["commitment"]),
        issuer=checksum(a["issuer"]),
        credential_id=bytes(a["credentialId"]),
        nonce=int(a["nonce"]),
        block=int(log["blockNumber"]),
        tx_hash="0x" + bytes(log["transactionHash"]).hex(),
    )
