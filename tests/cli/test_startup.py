"""cli._startup: eth_keyfile imported without py_ecc's BLS tables, and still working, including BLS keystores."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from novacron_chain.cli import _startup

# a fresh interpreter: the deferral only acts on the first import of eth_keyfile
_SCRIPT = r"""
import json, sys
from novacron_chain.cli._startup import defer_keyfile_bls
defer_keyfile_bls()
import web3  # -> eth_account -> eth_keyfile
report = {
    "bls_loaded_by_web3": sorted(m for m in sys.modules if m.startswith(("py_ecc.bls", "py_ecc.optimized_bls12"))),
    "finder_left": any(type(f).__name__ == "_KeyfileFinder" for f in sys.meta_path),
}
import eth_keyfile, eth_keyfile.keyfile as keyfile
report["loader"] = type(eth_keyfile.__loader__).__name__
report["spec_loader"] = type(eth_keyfile.__spec__.loader).__name__

from eth_account import Account
from pathlib import Path
from novacron_chain.chain import load_signer
account = Account.from_key(b"\x07" * 32)
keystore = Account.encrypt(account.key, "pw", kdf="scrypt", iterations=2**10)
report["v3_round_trip"] = Account.decrypt(keystore, "pw") == account.key
path = Path(sys.argv[1])
path.write_text(json.dumps(keystore))
report["load_signer"] = load_signer(keystore_path=path, passphrase_prompt=lambda _: "pw").address == account.address
report["bls_loaded_by_keystores"] = any(m.startswith("py_ecc.bls") for m in sys.modules)

# a version-4 (EIP-2335, BLS) keystore: the deferred class loads py_ecc's real one now
v4 = eth_keyfile.create_keyfile_json(b"\x01" * 32, b"pw", version=4, kdf="pbkdf2", iterations=2)
from py_ecc.bls import G2ProofOfPossession
import py_ecc.bls12_381
report["v4_pubkey"] = v4["pubkey"] == G2ProofOfPossession.SkToPk(int.from_bytes(b"\x01" * 32, "big")).hex()
report["v4_round_trip"] = eth_keyfile.decode_keyfile_json(v4, b"pw") == b"\x01" * 32
report["real_modules_after"] = all(
    getattr(sys.modules[m], "__file__", None) for m in ("py_ecc.bls", "py_ecc.bls12_381")
)
report["curve_order"] = keyfile.curve_order == py_ecc.bls12_381.curve_order
print(json.dumps(report))
"""


def test_keyfile_without_bls_tables_still_works(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(tmp_path / "key.json")],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": ""},
    )
    report = json.loads(out.stdout)
    assert report == {
        "bls_loaded_by_web3": [],
        "finder_left": False,
        "loader": "SourceFileLoader",
        "spec_loader": "SourceFileLoader",
        "v3_round_trip": True,
        "load_signer": True,
        "bls_loaded_by_keystores": False,
        "v4_pubkey": True,
        "v4_round_trip": True,
        "real_modules_after": True,
        "curve_order": True,
    }


def test_the_stand_in_order_is_bls12_381s() -> None:
    from py_ecc.bls12_381 import curve_order

    x = -0xD201000000010000  # the curve's parameter
    assert _startup.BLS12_381_ORDER == curve_order == x**4 - x**2 + 1


def _keyfile_source() -> str:
    import importlib.util

    spec = importlib.util.find_spec("eth_keyfile")
    assert spec is not None
    return _startup._keyfile_source(spec) or ""


def test_installed_eth_keyfile_has_the_checked_shape() -> None:
    others = _startup._other_imports(_keyfile_source())
    assert others is not None, "eth-keyfile changed how it imports py_ecc: the deferral is off (slower, still right)"
    assert "eth_keys" in others
    assert "py_ecc.secp256k1" in others
    assert not any(m in others for m in ("py_ecc.bls", "py_ecc.bls12_381"))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("G2ProofOfPossession as bls,", "G2ProofOfPossession as bls, G2Basic,"),  # one more name from py_ecc.bls
        ("    curve_order,\n", "    curve_order, G1,\n"),  # one more name from py_ecc.bls12_381
        ('"pubkey": bls.SkToPk(', '"pubkey": bls(1).SkToPk('),  # the class used other than by attribute
        ("MAX_V4_PRIVATE_KEY = curve_order - 1", "bls = None\nMAX_V4_PRIVATE_KEY = curve_order - 1"),
    ],
)
def test_another_shape_turns_the_deferral_off(old: str, new: str) -> None:
    source = _keyfile_source()
    assert old in source
    assert _startup._other_imports(source.replace(old, new, 1)) is None
