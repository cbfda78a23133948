#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets from the shared test vectors.

Usage: fuzz/seeds.py [--vectors DIR] [--out DIR]

DIR defaults to $SKYX_VECTORS, else ../shared/vectors beside the checkout;
the seeds go to fuzz/corpus/<target>/ (one file per seed, named by the
SHA-1 of its bytes, as libFuzzer names what it adds). Existing files are
kept, so a corpus grown by earlier runs stays. Python 3 standard library
only.

Seeds come from: Skycoin transactions and the real 181-block chain
(transactions, blocks, signed blocks, chain-file lines), the peer message
bodies of the reference node, wallet files, Bitcoin-family blocks and
transactions (with the coin selector byte of the btc_block target), the
repository's amount vectors, Bitcoin-family and Skycoin address and key
vectors, engine journal records, segments and command streams written
here in the engine's encoding, node block journals of the chain's first
blocks, and small BoltDB images laid out here from the chain's first blocks and its
unconfirmed transaction (the shared data.db files are 1 MiB each, too large
to mutate usefully).
"""

import argparse
import hashlib
import json
import os
import struct
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write_seeds(out: Path, target: str, seeds):
    """Writes each seed of `seeds` (bytes) to out/target/<sha1>."""
    folder = out / target
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for seed in seeds:
        name = hashlib.sha1(seed).hexdigest()
        path = folder / name
        if not path.exists():
            path.write_bytes(seed)
        count += 1
    print(f"{target}: {count} seeds")


def chain_lines(vectors: Path):
    path = vectors / "skycoin/chain/blockchain-180.blocks.jsonl"
    with path.open() as f:
        return [json.loads(line) for line in f if line.strip()]


def pick_blocks(lines):
    """A few blocks of each shape: genesis, the large distribution block,
    and the first ones of each distinct size."""
    seen = set()
    picked = []
    for line in lines:
        size = len(line["block_hex"])
        if size in seen:
            continue
        seen.add(size)
        picked.append(line)
    return picked[:24]


# --- Skycoin transactions and blocks -------------------------------------


def sky_transaction(vectors: Path, lines):
    seeds = []
    encoded = json.loads((vectors / "skycoin/transactions/encoded-txs.json").read_text())
    for tx in encoded["txs"]:
        seeds.append(bytes.fromhex(tx["raw"]))
    seen = set()
    for line in lines:
        for tx in line["txns"]:
            raw = bytes.fromhex(tx["raw"])
            if len(raw) not in seen:
                seen.add(len(raw))
                seeds.append(raw)
    return seeds


def sky_block(lines):
    seeds = []
    for line in pick_blocks(lines):
        block = bytes.fromhex(line["block_hex"])
        seeds.append(block)
        seeds.append(block + bytes.fromhex(line["sig"]))
    return seeds


# --- Peer messages ---------------------------------------------------------


def frame(prefix: bytes, body: bytes) -> bytes:
    return struct.pack("<I", 4 + len(body)) + prefix + body


def peer_message(vectors: Path, lines):
    daemon = vectors / "skycoin/daemon"
    decoded = json.loads((daemon / "decoded-messages.json").read_text())
    frames = []
    seeds = []
    for name, fields in sorted(decoded.items()):
        prefix = fields["prefix"].encode()
        body = (daemon / name).read_bytes()
        frames.append(frame(prefix, body))
        seeds.append(prefix + body)
    seeds.extend(frames)
    seeds.append(b"".join(frames))
    # GIVB and GIVT carrying real mainnet blocks and transactions.
    blocks = [bytes.fromhex(l["block_hex"]) + bytes.fromhex(l["sig"]) for l in lines[:3]]
    seeds.append(frame(b"GIVB", struct.pack("<I", len(blocks)) + b"".join(blocks)))
    txns = [bytes.fromhex(t["raw"]) for l in lines[2:5] for t in l["txns"]]
    seeds.append(frame(b"GIVT", struct.pack("<I", len(txns)) + b"".join(txns)))
    # A mainnet introduction as skyx sends it.
    params = json.loads((vectors / "skycoin/params/mainnet.json").read_text())
    pubkey = bytes.fromhex(params["block_publisher_pubkey"])
    genesis = bytes.fromhex(params["genesis"]["block_hash"])
    agent = b"skycoin:0.27.1(linux)"
    extra = (
        pubkey
        + struct.pack("<IIB", 10, 32768, 3)
        + struct.pack("<I", len(agent))
        + agent
        + genesis
    )
    intro = struct.pack("<IHi", 1234, 6000, 3) + struct.pack("<I", len(extra)) + extra
    seeds.append(frame(b"INTR", intro))
    seeds.append(agent)
    return seeds


# --- Chain files -----------------------------------------------------------


def canonical_line(line) -> str:
    return json.dumps(
        {
            "seq": line["seq"],
            "hash": line["hash"],
            "sig": line["sig"],
            "block_hex": line["block_hex"],
        },
        separators=(",", ":"),
    )


def chain_file(vectors: Path, lines):
    path = vectors / "skycoin/chain/blockchain-180.blocks.jsonl"
    with path.open() as f:
        raw = [next(f) for _ in range(4)]
    short = [l for l in lines if len(l["block_hex"]) < 1000][:4]
    canonical = "".join(canonical_line(l) + "\n" for l in short)
    params = json.loads((vectors / "skycoin/params/mainnet.json").read_text())
    genesis = params["genesis"]
    header = json.dumps(
        {
            "chain": {
                "genesis_hash": genesis["block_hash"],
                "genesis_signature": genesis["signature"],
                "publisher_pubkey": params["block_publisher_pubkey"],
                "genesis_address": genesis["address"],
                "genesis_coins": genesis["coin_volume_droplets"],
                "genesis_hours": genesis["initial_hours"],
                "genesis_timestamp": genesis["timestamp"],
            }
        },
        separators=(",", ":"),
    )
    return [
        "".join(raw[:1]).encode(),
        "".join(raw[2:4]).encode(),
        canonical.encode(),
        (header + "\n" + canonical_line(lines[0]) + "\n").encode(),
        (header + "\n\n" + canonical_line(short[1]) + "\r\n").encode(),
    ]


# --- Wallets ---------------------------------------------------------------


def sky_wallet(vectors: Path):
    return [p.read_bytes() for p in sorted((vectors / "skycoin/wallets").rglob("*.wlt"))]


# --- Bitcoin family ----------------------------------------------------------

# Selector of the btc_block target: coin index in Coin::ALL (Btc, Ltc, Doge,
# Bch, Bsv); bit 0x80 set for a transaction.
COINS = {"bitcoin": 0, "litecoin": 1, "dogecoin": 2, "bitcoincash": 3, "bitcoinsv": 4}
TX = 0x80
MAX_BTC_SEED = 64 * 1024


def coin_of(name: str) -> int:
    return COINS[name.split("_")[0]]


def btc_block(vectors: Path):
    family = vectors / "btc-family"
    seeds = []
    for path in sorted((family / "electrumx-blocks").glob("*.json")):
        block = json.loads(path.read_text()).get("block")
        if block and len(block) // 2 <= MAX_BTC_SEED:
            seeds.append(bytes([coin_of(path.stem)]) + bytes.fromhex(block))
    for path in sorted((family / "electrumx-transactions").glob("*.json")):
        seeds.append(bytes([TX | COINS["bitcoin"]]) + bytes.fromhex(json.loads(path.read_text())["hex"]))
    for path in sorted((family / "blockbook-testdata/rpc").glob("*.json")):
        coin = coin_of(path.stem)
        details = json.loads(path.read_text()).get("txDetails", {})
        for tx in details.values():
            if "hex" in tx:
                seeds.append(bytes([TX | coin]) + bytes.fromhex(tx["hex"]))
    for entry in json.loads((family / "bitcoin-core-tx_valid.json").read_text())[:40]:
        if len(entry) >= 2 and isinstance(entry[1], str):
            seeds.append(bytes([TX | COINS["bitcoin"]]) + bytes.fromhex(entry[1]))
    return seeds


# --- Amounts and addresses ----------------------------------------------------

# Selector of the amount target: index in Currency::ALL (Sky, Btc, Ltc, Doge,
# Bch, Bsv); the high nibble is the decimals given to the raw scanner.
CURRENCIES = {"sky": 0, "btc": 1, "ltc": 2, "doge": 3, "bch": 4, "bsv": 5}


def amount(repo: Path):
    """Texts of the repository's amount vectors (coins/tests/data), each for
    SKY (6 decimals) or BTC (8), plus the shapes daemons write."""
    seeds = []
    vectors = json.loads((repo / "coins/tests/data/amount_vectors.json").read_text())
    seen = set()
    for v in vectors:
        coin = CURRENCIES["sky"] if v["decimals"] == 6 else CURRENCIES["btc"]
        key = (coin, v["text"])
        if key not in seen:
            seen.add(key)
            seeds.append(bytes([coin | v["decimals"] << 4]) + v["text"].encode())
    for text in ["1e-05", "0.00001000", "21000000.00000000", "1.5E-4", "+2E+1", "LTC", "doge"]:
        seeds.append(bytes([CURRENCIES["ltc"]]) + text.encode())
    return seeds


# Selector of the address target: low nibble the index in Coin::ALL (Btc,
# Ltc, Doge, Bch, Bsv), high nibble the index in Network::ALL (Mainnet,
# Testnet, Regtest).
NETWORKS = {"main": 0, "test": 1, "testnet4": 1, "signet": 1, "regtest": 2}


def address(vectors: Path):
    family = vectors / "btc-family"
    seeds = []
    for name, coin in [
        ("bitcoin-core-key_io_valid.json", COINS["bitcoin"]),
        ("litecoin-key_io_valid.json", COINS["litecoin"]),
    ]:
        for text, _, meta in json.loads((family / name).read_text()):
            seeds.append(bytes([coin | NETWORKS.get(meta.get("chain"), 0) << 4]) + text.encode())
    for text, _, meta in json.loads((family / "dogecoin-base58_keys_valid.json").read_text()):
        net = NETWORKS["test"] if meta.get("isTestnet") else NETWORKS["main"]
        seeds.append(bytes([COINS["dogecoin"] | net << 4]) + text.encode())
    by_type = json.loads((family / "address-vectors-bip_utils.json").read_text())["by_type"]
    for kind, entries in sorted(by_type.items()):
        for e in entries:
            coin = COINS["bitcoincash"] if kind.startswith("bch") else COINS["bitcoin"]
            net = NETWORKS["test"] if "Test" in e["coin_network"] else NETWORKS["main"]
            seeds.append(bytes([coin | net << 4]) + e["address"].encode())
    keys = json.loads((vectors / "skycoin/cipher/seed-0000.golden").read_text())["keys"]
    for k in keys[:4]:
        seeds.append(bytes([0]) + k["address"].encode())
    for name in ("bitcoin-core-key_io_invalid.json", "litecoin-key_io_invalid.json"):
        for entry in json.loads((family / name).read_text())[:20]:
            seeds.append(bytes([0]) + entry[0].encode())
    return seeds


# --- Journals -----------------------------------------------------------------

# Modes of the journal target (its first byte).
REPLAY, RECORD, SNAPSHOT, SNAPSHOT_DAMAGED, SEGMENT, SEGMENT_DAMAGED, NODE_JOURNAL = range(7)


def engine_commands():
    """A session of the matching engine, one encoded command each, as its
    journal writes them (engine/src/command.rs): two assets, a market,
    deposits, orders that cross, and every other command once."""
    u8 = lambda v: struct.pack("<B", v)  # noqa: E731
    u32 = lambda v: struct.pack("<I", v)  # noqa: E731
    u64 = lambda v: struct.pack("<Q", v)  # noqa: E731
    i32 = lambda v: struct.pack("<i", v)  # noqa: E731
    base, quote, market = 1, 2, 7
    out = [u8(1) + u32(base) + u8(0), u8(1) + u32(quote) + u8(0)]
    # AddMarket: id, base, quote, base_per_lot, quote_per_tick, min_notional,
    # band_low, band_high, maker and taker fees in basis points.
    out.append(
        u8(2) + u32(market) + u32(base) + u32(quote)
        + u64(10) + u64(100) + u64(100) + u64(1) + u64(1000) + i32(-2) + i32(10)
    )
    for account in (1, 2, 3):
        out.append(u8(3) + u64(account) + u32(base) + u64(1_000_000))
        out.append(u8(3) + u64(account) + u32(quote) + u64(100_000_000))

    def place(order_id, account, side, kind, tif, post_only=0, stp=0):
        # Place: market, id, account, side (0 buy, 1 sell), kind (0 limit
        # price qty, 1 market qty, 2 market budget), time in force (0 GTC,
        # 1 GTD expiry, 2 IOC, 3 FOK), post-only, self-trade prevention.
        return (
            u8(8) + u32(market) + u64(order_id) + u64(account) + u8(side)
            + kind + tif + u8(post_only) + u8(stp)
        )

    limit = lambda price, qty: u8(0) + u64(price) + u64(qty)  # noqa: E731
    out.append(place(1, 1, 1, limit(500, 100), u8(0)))
    out.append(place(2, 2, 0, limit(500, 40), u8(0)))
    out.append(place(3, 2, 0, limit(400, 30), u8(1) + u64(50)))
    out.append(place(4, 3, 0, u8(1) + u64(20), u8(2), stp=1))
    out.append(place(5, 3, 1, u8(2) + u64(5000), u8(3), stp=2))
    out.append(place(6, 1, 1, limit(600, 10), u8(0), post_only=1))
    out.append(u8(10) + u32(market) + u64(3) + u64(2) + u64(450) + u64(20))
    out.append(u8(11) + u32(market) + u64(3) + u64(2) + u64(10))
    out.append(u8(9) + u32(market) + u64(1) + u64(1))
    out.append(u8(4) + u64(9) + u64(1) + u32(base) + u64(1000))
    out.append(u8(5) + u64(9))
    out.append(u8(4) + u64(10) + u64(2) + u32(quote) + u64(1000))
    out.append(u8(6) + u64(10))
    out.append(u8(7) + u64(1) + u64(2) + u32(base) + u64(7))
    out.append(u8(12) + u64(2) + u8(1) + u32(market))
    out.append(u8(12) + u64(3) + u8(0))
    out.append(u8(13))
    return out


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def journal(lines):
    commands = engine_commands()
    stream = b"".join(commands)
    records = [struct.pack("<QQ", i + 1, i + 1) + c for i, c in enumerate(commands)]
    header = b"SKYXJRNL" + struct.pack("<IQ", 2, 1)
    segment = header + struct.pack("<I", crc32c(header))
    legacy = b""
    for r in records:
        framed = struct.pack("<II", len(r), crc32c(r)) + r
        segment += framed
        legacy += framed
    with_damage = lambda cut, patches: struct.pack("<H", len(stream)) + stream + struct.pack("<I", cut) + patches  # noqa: E731
    blocks = [bytes.fromhex(l["block_hex"]) + bytes.fromhex(l["sig"]) for l in lines[:4]]
    node = b"".join(struct.pack("<II", len(b), zlib.crc32(b)) + b for b in blocks)
    seeds = [bytes([REPLAY]) + stream, bytes([REPLAY]) + stream[: len(stream) // 2]]
    seeds += [bytes([RECORD]) + r for r in records]
    for mode in (SNAPSHOT_DAMAGED, SEGMENT_DAMAGED):
        seeds.append(bytes([mode]) + with_damage(0xFFFFFFFF, b""))
        seeds.append(bytes([mode]) + with_damage(0xFFFFFFFF, struct.pack("<HB", 40, 1)))
        seeds.append(bytes([mode]) + with_damage(200, b""))
    seeds += [bytes([SEGMENT]) + segment, bytes([SEGMENT]) + legacy, bytes([SEGMENT]) + segment[:-3]]
    seeds += [bytes([NODE_JOURNAL]) + node, bytes([NODE_JOURNAL]) + node[:-10]]
    return seeds


# --- BoltDB images -----------------------------------------------------------

MAGIC = 0xED0CDAED
BRANCH, LEAF, META, FREELIST = 0x01, 0x02, 0x04, 0x10
BUCKET_FLAG = 0x01


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def page_header(pgid: int, flags: int, count: int, overflow: int = 0) -> bytes:
    return struct.pack("<QHHI", pgid, flags, count, overflow)


def leaf_page(pgid: int, items) -> bytes:
    """A leaf page of (flags, key, value) items, keys in order."""
    elements = b""
    data = b""
    n = len(items)
    for i, (flags, key, value) in enumerate(items):
        pos = (n - i) * 16 + len(data)
        elements += struct.pack("<IIII", flags, pos, len(key), len(value))
        data += key + value
    return page_header(pgid, LEAF, n) + elements + data


def branch_page(pgid: int, items) -> bytes:
    """A branch page of (first key, child page id) items."""
    elements = b""
    data = b""
    n = len(items)
    for i, (key, child) in enumerate(items):
        pos = (n - i) * 16 + len(data)
        elements += struct.pack("<IIQ", pos, len(key), child)
        data += key
    return page_header(pgid, BRANCH, n) + elements + data


def meta_page(pgid: int, page_size: int, root: int, high: int, txid: int) -> bytes:
    fields = struct.pack("<IIIIQQQQQ", MAGIC, 2, page_size, 0, root, 0, 2, high, txid)
    return page_header(pgid, META, 0) + fields + struct.pack("<Q", fnv1a64(fields))


def inline_bucket(items) -> bytes:
    return struct.pack("<QQ", 0, 0) + leaf_page(0, items)


def paged_bucket(root: int) -> bytes:
    return struct.pack("<QQ", root, 0)


class Image:
    """Pages laid out one after another; a page longer than the page size
    takes overflow blocks."""

    def __init__(self, page_size: int):
        self.page_size = page_size
        self.pages = {}
        self.next = 3  # 0-1 meta, 2 freelist; the root leaf goes last

    def reserve(self, size: int) -> int:
        pgid = self.next
        self.next += max(1, -(-size // self.page_size))
        return pgid

    def put(self, pgid: int, page: bytes):
        blocks = max(1, -(-len(page) // self.page_size))
        page = page[:12] + struct.pack("<I", blocks - 1) + page[16:]
        self.pages[pgid] = page.ljust(blocks * self.page_size, b"\0")

    def bytes(self, root_items) -> bytes:
        root = self.reserve(len(leaf_page(0, root_items)))
        self.put(root, leaf_page(root, root_items))
        self.put(2, page_header(2, FREELIST, 0))
        self.put(0, meta_page(0, self.page_size, root, self.next, 2))
        self.put(1, meta_page(1, self.page_size, root, self.next, 1))
        out = b""
        pgid = 0
        while pgid < self.next:
            page = self.pages.get(pgid, page_header(pgid, FREELIST, 0).ljust(self.page_size, b"\0"))
            out += page
            pgid += len(page) // self.page_size
        return out


def bolt_image(lines, vectors: Path, count: int, page_size: int, branch: bool) -> bytes:
    """The buckets the reference node keeps for blocks 0..count-1 and its
    unconfirmed transaction; `blocks` is a tree of its own (with a branch
    page when `branch`), the others are inline."""
    blocks = lines[:count]
    block_items = sorted(
        (0, bytes.fromhex(l["hash"]), bytes.fromhex(l["block_hex"])) for l in blocks
    )
    sig_items = sorted((0, bytes.fromhex(l["hash"]), bytes.fromhex(l["sig"])) for l in blocks)
    tree_items = [
        (
            0,
            struct.pack(">Q", l["seq"]),
            struct.pack("<I", 1) + bytes.fromhex(l["hash"]) + bytes.fromhex(l["prev_hash"] or "00" * 32),
        )
        for l in blocks
    ]
    meta_items = [(0, b"head_seq", struct.pack(">Q", count - 1))]
    meta = json.loads((vectors / "skycoin/chain/blockchain-180.meta.json").read_text())
    pool_items = []
    for utx in meta["unconfirmed_txns"]:
        value = bytes.fromhex(utx["txn"]["raw"]) + struct.pack(
            "<qqqb", utx["received"], utx["checked"], utx["announced"], utx["is_valid"]
        )
        pool_items.append((0, utx["key"].encode(), value))

    image = Image(page_size)
    if branch and len(block_items) > 1:
        half = len(block_items) // 2
        left, right = block_items[:half], block_items[half:]
        branch_id = image.reserve(page_size)
        left_id = image.reserve(len(leaf_page(0, left)))
        right_id = image.reserve(len(leaf_page(0, right)))
        image.put(branch_id, branch_page(branch_id, [(left[0][1], left_id), (right[0][1], right_id)]))
        image.put(left_id, leaf_page(left_id, left))
        image.put(right_id, leaf_page(right_id, right))
        blocks_root = branch_id
    else:
        page = leaf_page(0, block_items)
        blocks_root = image.reserve(len(page))
        image.put(blocks_root, leaf_page(blocks_root, block_items))
    root_items = sorted(
        [
            (BUCKET_FLAG, b"block_sigs", inline_bucket(sig_items)),
            (BUCKET_FLAG, b"block_tree", inline_bucket(tree_items)),
            (BUCKET_FLAG, b"blockchain_meta", inline_bucket(meta_items)),
            (BUCKET_FLAG, b"blocks", paged_bucket(blocks_root)),
            (BUCKET_FLAG, b"unconfirmed_txns", inline_bucket(pool_items)),
        ],
        key=lambda item: item[1],
    )
    return image.bytes(root_items)


def bolt_db(vectors: Path, lines):
    # Blocks 0 and 2..4 are a few hundred bytes; block 1 (3,974 bytes) makes
    # an overflow page. Seeds without it stay small.
    no_big = [lines[0]] + lines[2:5]
    for i, l in enumerate(no_big[1:], start=1):
        no_big[i] = dict(l, seq=i, prev_hash=no_big[i - 1]["hash"])
    return [
        bolt_image(lines, vectors, 1, 512, False),
        bolt_image(lines, vectors, 2, 512, True),
        bolt_image(lines, vectors, 3, 1024, True),
        # Heights renumbered: the reader refuses these blocks at height 1,
        # which is a path to cover too.
        bolt_image(no_big, vectors, 4, 512, True),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_vectors = os.environ.get("SKYX_VECTORS") or str(HERE.parent.parent / "shared/vectors")
    parser.add_argument("--vectors", default=default_vectors)
    parser.add_argument("--out", default=str(HERE / "corpus"))
    args = parser.parse_args()
    vectors = Path(args.vectors)
    if not (vectors / "skycoin").is_dir():
        sys.exit(f"test vectors not found at {vectors}: set SKYX_VECTORS or pass --vectors")
    out = Path(args.out)
    lines = chain_lines(vectors)
    write_seeds(out, "sky_transaction", sky_transaction(vectors, lines))
    write_seeds(out, "sky_block", sky_block(lines))
    write_seeds(out, "peer_message", peer_message(vectors, lines))
    write_seeds(out, "chain_file", chain_file(vectors, lines))
    write_seeds(out, "sky_wallet", sky_wallet(vectors))
    write_seeds(out, "btc_block", btc_block(vectors))
    write_seeds(out, "bolt_db", bolt_db(vectors, lines))
    write_seeds(out, "amount", amount(HERE.parent))
    write_seeds(out, "address", address(vectors))
    write_seeds(out, "journal", journal(lines))


if __name__ == "__main__":
    main()
