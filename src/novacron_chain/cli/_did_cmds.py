"""``novacron-chain did``: create and resolve identities, rotate keys, delegate, deactivate, issue, verify, revoke
and present credentials.

Keys: ``did create`` prints the new private key once (``--json`` includes it) and can write it to an encrypted
keystore (``--out FILE``, passphrase from NOVACRON_KEYSTORE_PASSPHRASE or a prompt). The other commands take the
identity's key from a keystore (``--key-file``) or from an environment variable (``--key-env VAR``). Gas for
on-chain changes is paid by the configured account (``--account N`` on dev chains); identity keys need no coins.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ._params import address, duration_text
from ._state import CliState

if TYPE_CHECKING:
    from ..chain import Signer
    from ..did import DIDManager

did_app = typer.Typer(
    help="Decentralized identity: did:novacron DIDs and verifiable credentials.", no_args_is_help=True
)

KeyFile = Annotated[
    Path | None,
    typer.Option("--key-file", help="Encrypted keystore of the identity's key (NOVACRON_KEYSTORE_PASSPHRASE)."),
]
KeyEnv = Annotated[str | None, typer.Option("--key-env", help="Name of an environment variable holding the key (hex).")]
_PASSPHRASE_ENV = "NOVACRON_KEYSTORE_PASSPHRASE"


def _manager(state: CliState) -> DIDManager:
    return state.nova().did


def _load_key(key_file: Path | None, key_env: str | None) -> Signer:
    from ..chain import load_signer
    from ..errors import NovaValueError
    from ._state import _prompt

    if (key_file is None) == (key_env is None):
        raise NovaValueError(
            "give the identity's key with exactly one of --key-file or --key-env",
            hint="--key-file FILE (a keystore from `did create --out`) or --key-env VAR (hex key in $VAR)",
        )
    return load_signer(keystore_path=key_file, key_env=key_env, passphrase_prompt=_prompt, required=True)


def _refuse_existing(out: Path | None) -> None:
    from ..errors import NovaValueError

    if out is not None and out.exists():
        raise NovaValueError(f"{out} exists; refusing to overwrite a keystore", hint="choose another --out path")


def _write_keystore(out: Path, signer: Signer) -> None:
    from ..chain import encrypt_keystore
    from ._state import _prompt

    _refuse_existing(out)
    passphrase = os.environ.get(_PASSPHRASE_ENV) or _prompt("passphrase for the new keystore")
    out.write_text(json.dumps(encrypt_keystore(signer, passphrase)))
    out.chmod(0o600)


def _token(value: str) -> str:
    """A JWS given inline, as ``@FILE``, or ``-`` for stdin."""
    from ..errors import NovaValueError

    if value == "-":
        return sys.stdin.read().strip()
    if value.startswith("@"):
        try:
            return Path(value[1:]).read_text().strip()
        except OSError as exc:
            raise NovaValueError(f"cannot read {value[1:]}: {exc}") from exc
    return value.strip()


def _claim(text: str) -> tuple[str, str | int | float | bool]:
    """``name=value``: the value as JSON when it is a JSON scalar (4, true, 2.5, "4"), else as text."""
    from ..errors import NovaValueError

    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise NovaValueError(f"--claim {text!r} is not name=value", hint="e.g. --claim cpuAllocation=4")
    try:
        value = json.loads(raw)
    except ValueError:
        return name, raw
    if isinstance(value, str | int | float | bool):
        return name, value
    return name, raw


@did_app.command("create")
def create(
    ctx: typer.Context,
    kind: Annotated[str, typer.Option(help="Kind of identity: vm, host, provider or user.")] = "vm",
    publish: Annotated[
        bool, typer.Option("--publish", help="Record the public key and kind on chain (costs gas; else none).")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="Also write the key to this encrypted keystore file.")] = None,
) -> None:
    """Create a new DID with a fresh key (no gas unless --publish). The private key is shown once."""
    from rich.console import Group
    from rich.json import JSON

    from ..chain import Signer

    state: CliState = ctx.obj
    dm = _manager(state)
    _refuse_existing(out)  # before anything is created
    document, key = dm.create_did(kind, publish=publish)
    if out is not None:
        _write_keystore(out, Signer(key))
    data = {"did": document["id"], "kind": kind, "private_key": "0x" + key.hex(), "document": document}
    if out is not None:
        data["keystore"] = str(out)
    lines = [f"[bold]{document['id']}[/] ({kind}{', published on chain' if publish else ', no gas spent'})"]
    lines.append(f"private key 0x{key.hex()}  [yellow](shown once: keep it safe)[/]")
    if out is not None:
        lines.append(f"keystore    {out}")
    state.emit(data, Group("\n".join(lines), JSON(json.dumps(document))))


@did_app.command("resolve")
def resolve(ctx: typer.Context, did: Annotated[str, typer.Argument(help="The DID to resolve.")]) -> None:
    """Show a DID's document and metadata (owner, keys, delegates, deactivation)."""
    from rich.json import JSON

    state: CliState = ctx.obj
    resolution = _manager(state).resolve(did)
    state.emit(resolution.to_dict(), JSON(json.dumps(resolution.to_dict())))


@did_app.command("rotate")
def rotate(
    ctx: typer.Context,
    did: Annotated[str, typer.Argument(help="The DID whose owner key to replace.")],
    key_file: KeyFile = None,
    key_env: KeyEnv = None,
    new_key_env: Annotated[
        str | None, typer.Option(help="Rotate to the key in this environment variable (default: a fresh key).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write the new key to this encrypted keystore file.")] = None,
) -> None:
    """Rotate the DID's owner key. The old key stops signing at once; the new key is shown once."""
    state: CliState = ctx.obj
    dm = _manager(state)
    current = _load_key(key_file, key_env)
    new = _load_key(None, new_key_env) if new_key_env else None
    _refuse_existing(out)
    new_key, receipts = dm.rotate_key(did, current, new_key=new)
    from ..chain import Signer

    new_signer = Signer(new_key)
    if out is not None:
        _write_keystore(out, new_signer)
    data = {
        "did": did,
        "owner": new_signer.address,
        "private_key": None if new is not None else "0x" + new_key.hex(),
        "tx_hashes": [r.tx_hash for r in receipts],
        "gas_used": sum(r.gas_used for r in receipts),
    }
    shown = "" if new is not None else f"\nnew private key 0x{new_key.hex()}  [yellow](shown once: keep it safe)[/]"
    state.emit(data, f"{did} is now owned by {new_signer.address} ({data['gas_used']:,} gas){shown}")


@did_app.command("delegate")
def delegate(
    ctx: typer.Context,
    did: Annotated[str, typer.Argument(help="The DID that delegates.")],
    to: Annotated[str, typer.Option("--to", help="The delegate's address.", parser=address)],
    delegate_type: Annotated[str, typer.Option("--type", help="veriKey (sign credentials) or sigAuth.")] = "veriKey",
    valid_for: Annotated[str, typer.Option(help="How long, e.g. 30d, 12h, 3600.", parser=duration_text)] = "365d",
    revoke: Annotated[bool, typer.Option("--revoke", help="End the delegation instead.")] = False,
    key_file: KeyFile = None,
    key_env: KeyEnv = None,
) -> None:
    """Let another key sign for the DID for a while (or --revoke it)."""
    from ..config import parse_duration
    from ..errors import NovaValueError

    state: CliState = ctx.obj
    dm = _manager(state)
    key = _load_key(key_file, key_env)
    if revoke:
        receipt = dm.revoke_delegate(did, key, to, delegate_type=delegate_type)
    else:
        try:
            seconds = parse_duration(valid_for)
        except ValueError as exc:
            raise NovaValueError(f"--valid-for: {exc}") from exc
        receipt = dm.add_delegate(did, key, to, delegate_type=delegate_type, validity=seconds)
    data = {"did": did, "delegate": to, "type": delegate_type, "revoked": revoke, "tx_hash": receipt.tx_hash}
    state.emit(data, f"{'revoked' if revoke else 'added'} {delegate_type} delegate {to} of {did}")


@did_app.command("deactivate")
def deactivate(
    ctx: typer.Context,
    did: Annotated[str, typer.Argument(help="The DID to deactivate for good.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: deactivation cannot be undone.")] = False,
    key_file: KeyFile = None,
    key_env: KeyEnv = None,
) -> None:
    """Deactivate a DID for good: it can no longer change, and nothing it signed verifies."""
    from ..errors import NovaValueError

    if not yes:
        raise NovaValueError("deactivation cannot be undone", hint="add --yes to confirm")
    state: CliState = ctx.obj
    receipt = _manager(state).deactivate(did, _load_key(key_file, key_env))
    state.emit({"did": did, "deactivated": True, "tx_hash": receipt.tx_hash}, f"{did} is deactivated")


@did_app.command("issue")
def issue(
    ctx: typer.Context,
    issuer: Annotated[str, typer.Option(help="The issuer's DID.")],
    subject: Annotated[str, typer.Option(help="The subject's DID.")],
    claim: Annotated[list[str], typer.Option(help="A claim name=value (repeat); e.g. cpuAllocation=4.")],
    valid_for: Annotated[
        str | None, typer.Option(help="Expire after this long (e.g. 30d); default never.", parser=duration_text)
    ] = None,
    credential_type: Annotated[list[str] | None, typer.Option("--type", help="Extra credential type.")] = None,
    credential_id: Annotated[str | None, typer.Option("--id", help="Credential id URI (default urn:uuid:...).")] = None,
    key_file: KeyFile = None,
    key_env: KeyEnv = None,
) -> None:
    """Issue a verifiable credential (vc+jwt) about a subject; prints the token."""
    from ..config import parse_duration
    from ..errors import NovaValueError

    state: CliState = ctx.obj
    claims = dict(_claim(c) for c in claim)  # bad input first, before connecting or unlocking a key
    key = _load_key(key_file, key_env)
    dm = _manager(state)
    until = None
    if valid_for is not None:
        try:
            until = dm.chain.timestamp() + parse_duration(valid_for)
        except ValueError as exc:
            raise NovaValueError(f"--valid-for: {exc}") from exc
    token = dm.issue_credential(
        issuer, subject, claims, key, valid_until=until, credential_id=credential_id, types=credential_type or ()
    )
    state.emit({"credential": token}, token)


@did_app.command("verify")
def verify(
    ctx: typer.Context,
    token: Annotated[str, typer.Argument(help="The vc+jwt or vp+jwt token, @FILE, or - for stdin.")],
    nonce: Annotated[str | None, typer.Option(help="The nonce a presentation must carry.")] = None,
    audience: Annotated[str | None, typer.Option(help="The audience a presentation must name.")] = None,
) -> None:
    """Verify a credential or presentation; exits 1 when it is not valid, saying why (--json: the whole result)."""
    from ..did import PresentationResult

    state: CliState = ctx.obj
    result = _manager(state).verify(_token(token), nonce=nonce, audience=audience)
    result.raise_for_invalid()  # exit 1 with the reason (and, with --json, the whole result)
    if isinstance(result, PresentationResult):
        state.emit(
            result.to_dict(),
            f"[green]valid presentation[/] by {result.holder} of {len(result.credentials)} credential(s)",
        )
    else:
        claims = ", ".join(f"{k}={v}" for k, v in result.claims.items())
        state.emit(
            result.to_dict(), f"[green]valid[/]: {result.issuer} says {result.subject} has {claims or 'no claims'}"
        )


@did_app.command("revoke")
def revoke(
    ctx: typer.Context,
    credential: Annotated[str, typer.Argument(help="The credential (token, @FILE, -) or its id.")],
    issuer: Annotated[str | None, typer.Option(help="Issuer DID (when giving a bare id).")] = None,
    key_file: KeyFile = None,
    key_env: KeyEnv = None,
) -> None:
    """Revoke a credential on chain (permanent)."""
    state: CliState = ctx.obj
    dm = _manager(state)
    receipt = dm.revoke_credential(_token(credential), _load_key(key_file, key_env), issuer_did=issuer)
    state.emit({"revoked": True, "tx_hash": receipt.tx_hash}, f"revoked (tx {receipt.tx_hash})")


@did_app.command("present")
def present(
    ctx: typer.Context,
    holder: Annotated[str, typer.Option(help="The holder's DID (the credentials' subject).")],
    credential: Annotated[list[str], typer.Option(help="A credential token or @FILE (repeat).")],
    nonce: Annotated[str, typer.Option(help="The verifier's nonce.")],
    audience: Annotated[str, typer.Option(help="The verifier's identifier.")],
    valid_for: Annotated[int, typer.Option(help="Seconds the presentation stays valid.")] = 300,
    key_file: KeyFile = None,
    key_env: KeyEnv = None,
) -> None:
    """Present credentials to a verifier as a vp+jwt bound to its nonce and audience."""
    state: CliState = ctx.obj
    dm = _manager(state)
    vp = dm.create_presentation(
        holder,
        [_token(c) for c in credential],
        _load_key(key_file, key_env),
        nonce=nonce,
        audience=audience,
        valid_for=valid_for,
    )
    state.emit({"presentation": vp}, vp)


# -- zero-knowledge proofs (novacron_chain.zk) --------------------------------------------------------------------


def _write_private(out: Path, data: object, what: str) -> None:
    from ..errors import NovaValueError

    if out.exists():
        raise NovaValueError(f"{out} exists; refusing to overwrite {what}", hint="choose another --out path")
    try:
        out.write_text(json.dumps(data, indent=1) + "\n")
        out.chmod(0o600)
    except OSError as exc:
        raise NovaValueError(f"cannot write {out}: {exc.strerror}") from exc


@did_app.command("issue-zk")
def issue_zk(
    ctx: typer.Context,
    issuer: Annotated[str, typer.Option(help="The issuer's DID.")],
    subject: Annotated[str, typer.Option(help="The subject's DID (the holder who will prove).")],
    claim: Annotated[list[str], typer.Option(help="A claim name=value to commit (repeat); e.g. cpu=4.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the committed credential (secret: 0600).")],
    valid_for: Annotated[
        str | None, typer.Option(help="Expire after this long (e.g. 30d); default never.", parser=duration_text)
    ] = None,
    credential_id: Annotated[str | None, typer.Option("--id", help="Credential id URI (default urn:uuid:...).")] = None,
    key_file: KeyFile = None,
    key_env: KeyEnv = None,
) -> None:
    """Issue a credential whose claims are committed, for zero-knowledge proofs (`did prove`). The file holds the
    values and salts: hand it to the subject privately."""
    from ..config import parse_duration
    from ..errors import NovaValueError

    state: CliState = ctx.obj
    claims = dict(_claim(c) for c in claim)
    if out.exists():
        raise NovaValueError(f"{out} exists; refusing to overwrite a credential", hint="choose another --out path")
    key = _load_key(key_file, key_env)
    dm = _manager(state)
    until = None
    if valid_for is not None:
        try:
            until = dm.chain.timestamp() + parse_duration(valid_for)
        except ValueError as exc:
            raise NovaValueError(f"--valid-for: {exc}") from exc
    zc = dm.issue_zk_credential(issuer, subject, claims, key, valid_until=until, credential_id=credential_id)
    _write_private(out, zc.to_json(), "a credential")
    data = {"file": str(out), "id": zc.credential_id, "claims": sorted(zc.openings), "credential": zc.credential}
    state.emit(data, f"committed credential {zc.credential_id} ({', '.join(sorted(zc.openings))}) written to {out}")


@did_app.command("prove")
def prove(
    ctx: typer.Context,
    credential: Annotated[Path, typer.Argument(help="The committed credential file (from `did issue-zk`).")],
    statement: Annotated[str, typer.Argument(help='The predicate, e.g. "cpu > 2", or prose with --predicate.')],
    nonce: Annotated[str, typer.Option(help="The verifier's nonce (the proof is bound to it).")],
    verifier: Annotated[str, typer.Option(help="The verifier's identifier (the proof is bound to it).")],
    predicate: Annotated[
        str | None, typer.Option(help='The predicate when STATEMENT is prose, e.g. "memory >= 8192".')
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the proof to this file.")] = None,
    key_file: Annotated[
        Path | None, typer.Option("--key-file", help="Also sign the proof with the holder's key (keystore).")
    ] = None,
    key_env: Annotated[
        str | None, typer.Option("--key-env", help="Also sign the proof with the holder's key (env variable).")
    ] = None,
) -> None:
    """Prove a predicate over a committed claim without revealing the value (Groth16, BLS12-381); with the
    holder's key (--key-file / --key-env) the proof is also signed by it."""
    from ..errors import NovaValueError

    state: CliState = ctx.obj
    if not credential.is_file():
        raise NovaValueError(f"{credential} is not a file", hint="pass the file `did issue-zk --out` wrote")
    if out is not None and out.exists():
        raise NovaValueError(f"{out} exists; refusing to overwrite it", hint="choose another --out path")
    holder_key = _load_key(key_file, key_env) if key_file is not None or key_env is not None else None
    proof = _manager(state).create_zk_proof(
        statement, credential, nonce=nonce, verifier=verifier, predicate=predicate, holder_key=holder_key
    )
    data = proof.to_json()
    if out is not None:
        _write_private(out, data, "a proof")
        state.emit(data, f"proof of {str(proof.predicate)!r} for {verifier} written to {out}")
    else:  # the proof itself is the output, as plain JSON in both modes (rich would wrap it)
        sys.stdout.write(json.dumps(data, indent=2) + "\n")


@did_app.command("verify-proof")
def verify_proof(
    ctx: typer.Context,
    proof_file: Annotated[str, typer.Argument(help="The proof: a file, or - for stdin.")],
    nonce: Annotated[str | None, typer.Option(help="The nonce you gave the prover (checked).")] = None,
    verifier: Annotated[str | None, typer.Option(help="Your verifier identifier (checked).")] = None,
    holder: Annotated[str | None, typer.Option(help="The holder DID you expect.")] = None,
    trusted_issuer: Annotated[
        list[str] | None, typer.Option("--trusted-issuer", help="Accept only these issuers (repeat).")
    ] = None,
    require_holder_signature: Annotated[
        bool, typer.Option("--require-holder-signature", help="Refuse proofs the holder's key did not sign.")
    ] = False,
) -> None:
    """Verify a zero-knowledge proof: the proof, the issuer's signature, revocation, expiry and the nonce; exits 1
    when it is not valid, saying why (--json: the whole result)."""
    from ..errors import NovaValueError

    state: CliState = ctx.obj
    if proof_file == "-":
        text = sys.stdin.read()
    else:
        try:
            text = Path(proof_file).read_text()
        except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
            reason = exc.strerror if isinstance(exc, OSError) else "not a usable file name"
            raise NovaValueError(
                f"cannot read {proof_file!r}: {reason}", hint="give the proof's file, or - for stdin"
            ) from exc
    result = _manager(state).verify_zk_proof(
        text,
        nonce=nonce,
        verifier=verifier,
        holder=holder,
        trusted_issuers=trusted_issuer,
        require_holder_signature=require_holder_signature,
    )
    result.raise_for_invalid()  # exit 1 with the reason (and, with --json, the whole result)
    unchecked = "" if nonce and verifier else " (pass --nonce and --verifier to rule out a replay)"
    state.emit(
        result.to_dict(),
        f"[green]valid[/]: {result.holder} proved {result.predicate!r} ({result.statement!r}), certified by "
        f"{result.issuer}{unchecked}",
    )


def register(app: typer.Typer) -> None:
    """Attach the ``did`` commands to the main app."""
    app.add_typer(did_app, name="did")
