"""EIP-2335 keystores: the standard encrypted JSON file for BLS12-381 secret keys (``version: 4``).

The passphrase is normalised (NFKD, then the C0 and C1 control characters and DEL removed) and UTF-8 encoded; a key
is derived from it with scrypt or PBKDF2-HMAC-SHA256 (the ``kdf`` module); ``sha256(dk[16:32] | ciphertext)`` is the
``checksum`` that tells a wrong passphrase from a right one; the 32-byte secret is encrypted with AES-128-CTR under
``dk[0:16]`` (the ``cipher`` module). The files are the ones ``staking-deposit-cli``, Lighthouse, Prysm and Teku
read and write, so validator keys move between tools unchanged.

KDFs are the standard library's (``hashlib.scrypt``, ``hashlib.pbkdf2_hmac``, both OpenSSL), AES is pycryptodome's.
KDF parameters read from a file are bounded, so that a hostile keystore cannot make decryption take gigabytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from Crypto.Cipher import AES

from ._bls import BlsPublicKey, BlsSecretKey
from ._errors import BlsEncodingError, BlsKeystoreError, WrongPassphraseError

__all__ = ["SCRYPT_N", "BlsKeystore", "normalize_passphrase"]

#: scrypt cost of new keystores: 2**18, as staking-deposit-cli and the EIP's test vectors (about a second, 256 MiB)
SCRYPT_N = 2**18
_PBKDF2_C = 2**18
#: the largest costs accepted from a file: 2**20 for scrypt (1 GiB with r = 8), 10 million PBKDF2 rounds
_MAX_SCRYPT_MEMORY = 1 << 30
_MAX_PBKDF2_C = 10_000_000

KdfName = Literal["scrypt", "pbkdf2"]


def normalize_passphrase(passphrase: str) -> bytes:
    """The bytes EIP-2335 derives the key from: NFKD form, C0 (U+0000-U+001F), DEL (U+007F) and C1 (U+0080-U+009F)
    control characters removed, UTF-8 encoded. ``"𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑"`` becomes ``b"testpassword\\xf0\\x9f\\x94\\x91"``."""
    nfkd = unicodedata.normalize("NFKD", passphrase)
    kept = "".join(c for c in nfkd if not (ord(c) <= 0x1F or 0x7F <= ord(c) <= 0x9F))
    return kept.encode("utf-8")


@dataclass(frozen=True)
class BlsKeystore:
    """One EIP-2335 keystore: the encrypted secret and its public fields.

    ``BlsKeystore.encrypt(sk, passphrase)`` makes one, :meth:`save` writes it (mode 0600, atomically),
    :meth:`load` reads a file, :meth:`decrypt` gives the :class:`BlsSecretKey` back. ``pubkey`` is read without the
    passphrase (and checked against the decrypted key).
    """

    crypto: Mapping[str, Any]
    pubkey: BlsPublicKey | None
    path: str = ""
    uuid: str = ""
    description: str = ""
    #: where the keystore was read from, for messages; not part of the JSON
    source: str | None = field(default=None, compare=False)

    @classmethod
    def encrypt(
        cls,
        secret_key: BlsSecretKey,
        passphrase: str,
        *,
        kdf: KdfName = "scrypt",
        path: str = "",
        description: str = "",
        scrypt_n: int = SCRYPT_N,
        pbkdf2_c: int = _PBKDF2_C,
    ) -> BlsKeystore:
        """Encrypt ``secret_key`` under ``passphrase`` with a fresh salt, IV and UUID.

        ``path`` is the EIP-2334 derivation path if the key came from a mnemonic (``""`` otherwise). Lower
        ``scrypt_n`` / ``pbkdf2_c`` only for tests: they are the cost an attacker pays per guessed passphrase.
        """
        salt = os.urandom(32)
        if kdf == "scrypt":
            params: dict[str, Any] = {"dklen": 32, "n": scrypt_n, "r": 8, "p": 1, "salt": salt.hex()}
        elif kdf == "pbkdf2":
            params = {"dklen": 32, "c": pbkdf2_c, "prf": "hmac-sha256", "salt": salt.hex()}
        else:
            raise BlsKeystoreError(f"unknown KDF {kdf!r}", hint='use "scrypt" (the default) or "pbkdf2"')
        dk = _derive(kdf, params, normalize_passphrase(passphrase), source=None)
        iv = os.urandom(16)
        ciphertext = _aes_128_ctr(dk[:16], iv, secret_key.to_bytes())
        crypto = {
            "kdf": {"function": kdf, "params": params, "message": ""},
            "checksum": {"function": "sha256", "params": {}, "message": _checksum(dk, ciphertext).hex()},
            "cipher": {"function": "aes-128-ctr", "params": {"iv": iv.hex()}, "message": ciphertext.hex()},
        }
        return cls(
            crypto=crypto,
            pubkey=secret_key.public_key(),
            path=path,
            uuid=str(uuid.uuid4()),
            description=description,
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str, *, source: str | None = None) -> BlsKeystore:
        """Read a keystore from its JSON text or parsed object; checks the structure, not the passphrase."""
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError as exc:
                raise _bad(source, f"is not JSON ({exc})") from exc
        if not isinstance(data, Mapping):
            raise _bad(source, "is not a JSON object")
        if data.get("version") != 4:
            raise _bad(
                source,
                f"has version {data.get('version')!r}, not 4",
                hint="EIP-2335 BLS keystores are version 4 (version 3 is the secp256k1 account keystore)",
            )
        crypto = data.get("crypto")
        if not isinstance(crypto, Mapping) or not all(
            isinstance(crypto.get(m), Mapping) for m in ("kdf", "checksum", "cipher")
        ):
            raise _bad(source, "has no crypto.kdf / crypto.checksum / crypto.cipher modules")
        pubkey: BlsPublicKey | None = None
        if data.get("pubkey"):
            try:
                pubkey = BlsPublicKey.from_bytes(str(data["pubkey"]))
            except BlsEncodingError as exc:
                raise _bad(source, f"has an invalid pubkey ({exc.message})") from exc
        for name in ("path", "uuid", "description"):
            if not isinstance(data.get(name, ""), str):
                raise _bad(source, f"has a non-string {name!r}")
        return cls(
            crypto=crypto,
            pubkey=pubkey,
            path=data.get("path", ""),
            uuid=data.get("uuid", ""),
            description=data.get("description", ""),
            source=source,
        )

    @classmethod
    def load(cls, file: str | os.PathLike[str]) -> BlsKeystore:
        """Read the keystore file ``file`` (no passphrase needed yet)."""
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise BlsKeystoreError(
                f"BLS keystore {path} does not exist",
                path=str(path),
                hint="name an EIP-2335 keystore JSON file (e.g. keystore-m_12381_3600_0_0_0-*.json)",
            ) from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise BlsKeystoreError(f"cannot read BLS keystore {path}: {exc}", path=str(path)) from exc
        return cls.from_json(text, source=str(path))

    def to_json(self) -> dict[str, Any]:
        """The keystore as the EIP-2335 JSON object."""
        out: dict[str, Any] = {"crypto": _plain(self.crypto), "description": self.description}
        if self.pubkey is not None:
            out["pubkey"] = self.pubkey.to_bytes().hex()
        out.update({"path": self.path, "uuid": self.uuid, "version": 4})
        return out

    def save(self, file: str | os.PathLike[str]) -> Path:
        """Write the keystore to ``file`` with mode 0600, atomically (temp file, fsync, rename); returns the path.
        Refuses to overwrite an existing file: a keystore may be the only copy of a validator key."""
        path = Path(file)
        if path.exists():
            raise BlsKeystoreError(
                f"{path} exists already; not overwriting a keystore",
                path=str(path),
                hint="choose another file name, or move the old keystore away first",
            )
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.to_json(), fh, indent=2)
                fh.write("\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.link(tmp, path)  # unlike rename, fails if someone created `path` meanwhile
            dir_fd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        except FileExistsError as exc:
            raise BlsKeystoreError(f"{path} exists already; not overwriting a keystore", path=str(path)) from exc
        except OSError as exc:
            raise BlsKeystoreError(f"cannot write BLS keystore {path}: {exc}", path=str(path)) from exc
        finally:
            tmp.unlink(missing_ok=True)
        return path

    def decrypt(self, passphrase: str) -> BlsSecretKey:
        """The secret key, or :class:`WrongPassphraseError` when the checksum says the passphrase is wrong."""
        kdf = self.crypto["kdf"]
        checksum = self.crypto["checksum"]
        cipher = self.crypto["cipher"]
        if checksum.get("function") != "sha256":
            raise _bad(self.source, f"uses checksum {checksum.get('function')!r}; only sha256 is defined")
        if cipher.get("function") != "aes-128-ctr":
            raise _bad(self.source, f"uses cipher {cipher.get('function')!r}; only aes-128-ctr is defined")
        params = kdf.get("params")
        if not isinstance(params, Mapping):
            raise _bad(self.source, "has no kdf params")
        ciphertext = _hex_field(cipher.get("message"), "cipher.message", self.source)
        expected = _hex_field(checksum.get("message"), "checksum.message", self.source)
        iv = _hex_field((cipher.get("params") or {}).get("iv"), "cipher.params.iv", self.source)
        if len(iv) != 16:
            raise _bad(self.source, f"has a {len(iv)}-byte IV; AES-128-CTR needs 16")
        dk = _derive(str(kdf.get("function")), params, normalize_passphrase(passphrase), source=self.source)
        if not hmac.compare_digest(_checksum(dk, ciphertext), expected):
            raise WrongPassphraseError(path=self.source)
        secret = _aes_128_ctr(dk[:16], iv, ciphertext)
        try:
            key = BlsSecretKey.from_bytes(secret)
        except BlsEncodingError as exc:
            raise _bad(self.source, f"does not hold a BLS12-381 secret key ({exc.message})") from exc
        if self.pubkey is not None and key.public_key() != self.pubkey:
            raise _bad(
                self.source,
                f"decrypts to a key whose public key {key.public_key().hex()} is not the pubkey it names "
                f"({self.pubkey.hex()})",
                hint="the file was edited or mixed up with another; restore it from a backup",
            )
        return key


def _derive(function: str, params: Mapping[str, Any], password: bytes, *, source: str | None) -> bytes:
    try:
        dklen = int(params["dklen"])
        salt = bytes.fromhex(str(params["salt"]))
        if dklen < 32:
            raise _bad(source, f"has kdf dklen {dklen}; the checksum needs at least 32 bytes")
        if function == "scrypt":
            n, r, p = int(params["n"]), int(params["r"]), int(params["p"])
            if n < 2 or n & (n - 1) or r < 1 or p < 1:
                raise _bad(source, f"has invalid scrypt parameters n={n}, r={r}, p={p}")
            memory = 128 * r * (n + p + 2)
            if memory > _MAX_SCRYPT_MEMORY:
                raise _bad(source, f"asks scrypt for {memory >> 20} MiB (n={n}, r={r}); refusing above 1 GiB")
            return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, maxmem=memory + (1 << 20), dklen=dklen)
        if function == "pbkdf2":
            if params.get("prf") != "hmac-sha256":
                raise _bad(source, f"uses PBKDF2 with prf {params.get('prf')!r}; only hmac-sha256 is defined")
            c = int(params["c"])
            if not 1 <= c <= _MAX_PBKDF2_C:
                raise _bad(source, f"has PBKDF2 c={c}; accepted: 1 to {_MAX_PBKDF2_C:,}")
            return hashlib.pbkdf2_hmac("sha256", password, salt, c, dklen)
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad(source, f"has malformed kdf params ({type(exc).__name__}: {exc})") from exc
    raise _bad(source, f"uses kdf {function!r}; EIP-2335 defines scrypt and pbkdf2")


def _checksum(dk: bytes, ciphertext: bytes) -> bytes:
    return hashlib.sha256(dk[16:32] + ciphertext).digest()


def _aes_128_ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    # the whole 16-byte IV is the initial counter block (RFC 3686 style, as EIP-2335 and keystore v3 use it)
    return AES.new(key, AES.MODE_CTR, nonce=b"", initial_value=iv).encrypt(data)


def _hex_field(value: Any, name: str, source: str | None) -> bytes:
    try:
        return bytes.fromhex(str(value))
    except ValueError as exc:
        raise _bad(source, f"has a {name} that is not hex") from exc


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _bad(source: str | None, problem: str, *, hint: str | None = None) -> BlsKeystoreError:
    what = f"BLS keystore {source}" if source else "the BLS keystore"
    return BlsKeystoreError(
        f"{what} {problem}", path=source, hint=hint or "use an EIP-2335 (version 4) keystore as deposit tools write"
    )
