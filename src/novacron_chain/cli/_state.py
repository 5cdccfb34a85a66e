"""Global CLI options and the lazily connected NovaChain they describe."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from .. import NovaChain
    from ..config import NovaConfig


#: the global options that set configuration keys: a bad value is blamed on the flag
_FLAGS = {"network": "--network", "data_dir": "--data-dir"}


@dataclass
class CliState:
    """What the global options say; connects on first use and closes at exit."""

    config_path: Path | None = None
    data_dir: Path | None = None
    network: str | None = None
    account: int | None = None
    json: bool = False
    _nova: NovaChain | None = field(default=None, repr=False)
    _config: NovaConfig | None = field(default=None, repr=False)

    def config(self, **extra: Any) -> NovaConfig:
        """The configuration with the global options applied (loaded once)."""
        if self._config is None or extra:
            from ..config import load_config

            overrides: dict[str, Any] = {"network": self.network, "data_dir": self.data_dir, **extra}
            self._config = load_config(self.config_path, overrides=overrides, flags=_FLAGS)
        return self._config

    def nova(self) -> NovaChain:
        """The connected NovaChain (connects on first call)."""
        if self._nova is None:
            from .. import NovaChain

            self._nova = NovaChain.connect(self.config(), account=self.account, passphrase_prompt=_prompt)
        return self._nova

    def close(self) -> None:
        """Close the connection if one was opened."""
        if self._nova is not None:
            self._nova.close()
            self._nova = None

    # -- output ---------------------------------------------------------------------------------------------------

    @property
    def console(self) -> Console:
        """Rich console for human output (stderr when --json, so stdout stays machine-readable)."""
        from rich.console import Console

        return Console(stderr=self.json, highlight=False)

    def emit(self, data: Any, human: Any = None) -> None:
        """Print ``data`` as JSON with --json, else ``human`` (a rich renderable or text; default: ``data``)."""
        if self.json:
            sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
        else:
            self.console.print(data if human is None else human)


def _prompt(message: str) -> str:
    import getpass

    if not sys.stdin.isatty():
        from ..errors import KeyManagementError

        raise KeyManagementError(
            f"{message} is needed but there is no terminal to ask on",
            hint="set NOVACRON_KEYSTORE_PASSPHRASE",
        )
    return getpass.getpass(message + ": ")
