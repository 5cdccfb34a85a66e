"""open_store: the content store a NovaCron config names (the IPFS CLI and the state layer take theirs from it)."""

from __future__ import annotations

from pathlib import Path

from novacron_chain import load_config
from novacron_chain.storage import EmbeddedStore, IpfsApiServer, KuboStore, compute_cid, open_store


def test_the_embedded_store_in_the_data_dir(tmp_path: Path) -> None:
    config = load_config(overrides={"data_dir": tmp_path}).blockchain
    with open_store(config) as store:
        assert isinstance(store, EmbeddedStore)
        assert store.path == tmp_path / "ipfs"
        cid = store.add(b"kept\n").cid
    with open_store(config) as store:
        assert store.get(cid) == b"kept\n"
    with open_store(config, path=tmp_path / "elsewhere") as store:
        assert isinstance(store, EmbeddedStore)
        assert store.path == tmp_path / "elsewhere"
        assert not store.has(cid)


def test_a_kubo_node_when_an_endpoint_is_set(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "node") as disk, IpfsApiServer(disk, port=0) as server:
        config = load_config(overrides={"data_dir": tmp_path, "ipfs_endpoint": server.url}).blockchain
        with open_store(config, path=tmp_path / "unused") as store:
            assert isinstance(store, KuboStore)
            assert store.endpoint == server.url
            assert store.add(b"over rpc\n").cid == compute_cid(b"over rpc\n")
        assert disk.get(compute_cid(b"over rpc\n")) == b"over rpc\n"
    assert not (tmp_path / "unused").exists()
