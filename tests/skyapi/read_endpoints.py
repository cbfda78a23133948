#!/usr/bin/env python3
"""Calls read endpoints of a running `skyx serve` through `skyapi`, the
Skycoin REST client generated from the reference node's own OpenAPI spec,
and checks the answers against the 181-block test chain
(blockchain-180.db). Usage: read_endpoints.py http://127.0.0.1:PORT

Prints one line per call; exits 1 when a call fails or answers wrongly.
"""
import json
import sys

import skyapi

GENESIS_TXID = "d556c1c7abf1e86138316b8c17183665512dc67633c04cf236a8b7f332cb4add"
GENESIS_HASH = "0551a1e5af999fe8fff529f6f2ab341e1e33db95135eef1b2be44fe6981349f3"
ADDR = "2THDupTBEo7UqB6dsVizkYUvkKq82Qn4gjf"
UXID = "fe6762d753d626115c8dd3a053b5fb75d6d419a8d0fb1478c5fffc1fe41c5f20"


def main():
    cfg = skyapi.Configuration()
    cfg.host = sys.argv[1]
    api = skyapi.DefaultApi(skyapi.ApiClient(cfg))
    failures = []

    def check(name, call, ok):
        try:
            value = call()
            good = ok(value)
        except Exception as e:  # the client raises on any HTTP or decode error
            print(f"FAIL {name}: {type(e).__name__}: {str(e)[:300]}")
            failures.append(name)
            return
        print(("ok   " if good else "FAIL ") + name)
        if not good:
            print(f"     answer: {str(value)[:300]}")
            failures.append(name)

    def get(v, key):
        return v[key] if isinstance(v, dict) else getattr(v, key)

    check("version", api.version, lambda v: bool(get(v, "version")))
    check("health", api.health, lambda v: get(get(v, "blockchain"), "head")["seq"] == 180
          if isinstance(get(v, "blockchain"), dict) else True)
    check("blockchain_metadata", api.blockchain_metadata,
          lambda v: get(v, "unspents") == 218)
    check("blockchain_progress", api.blockchain_progress,
          lambda v: get(v, "current") == 180)
    # skyapi declares /block as answering a list (the reference answers one
    # object, as skyx does), so read the raw answer.
    def raw(call):
        return json.loads(call(_preload_content=False).data)

    check("block by seq", lambda: raw(lambda **k: api.block(seq=0, **k)),
          lambda v: v["header"]["block_hash"] == GENESIS_HASH)
    check("block by hash", lambda: raw(lambda **k: api.block(hash=GENESIS_HASH, **k)),
          lambda v: v["header"]["seq"] == 0)
    check("blocks range", lambda: api.blocks(start=1, end=10),
          lambda v: len(get(v, "blocks")) == 10)
    check("last_blocks", lambda: api.last_blocks(num=2),
          lambda v: len(get(v, "blocks")) == 2)
    check("transaction", lambda: api.transaction(GENESIS_TXID),
          lambda v: get(get(v, "status"), "height") == 181)
    # skyapi's rawtx call cannot send a txid: the reference answers 400
    # "txid is empty", and so must skyx.
    def rawtx_without_txid():
        try:
            api.api_v1_rawtx_get()
        except skyapi.rest.ApiException as e:
            return (e.status, e.body.decode() if isinstance(e.body, bytes) else e.body)
        return None

    check("api_v1_rawtx_get", rawtx_without_txid,
          lambda v: v == (400, "400 Bad Request - txid is empty\n"))
    check("transactions_get", lambda: api.transactions_get(addrs=ADDR),
          lambda v: len(v) >= 1)
    check("balance_get", lambda: api.balance_get(ADDR),
          lambda v: get(get(v, "confirmed"), "coins") == 1000000000000)
    check("balance_post", lambda: api.balance_post(ADDR),
          lambda v: get(get(v, "confirmed"), "coins") == 1000000000000)
    # skyapi sends `address`/`hash`; the reference reads `addrs`/`hashes` and
    # so ignores them, answering every unspent output. skyx does the same.
    check("outputs_get", lambda: api.outputs_get(address=[ADDR]),
          lambda v: len(get(v, "head_outputs")) == 218)
    check("uxout", lambda: api.uxout(uxid=UXID),
          lambda v: get(v, "coins") == 615700000000)
    check("address_uxouts", lambda: api.address_uxouts(ADDR),
          lambda v: len(v) == 1)
    check("pending_txs", api.pending_txs, lambda v: len(v) == 1)
    check("coin_supply", api.coin_supply,
          lambda v: get(v, "max_supply") == "100000000.000000")
    check("richlist", lambda: api.richlist(n=3), lambda v: len(get(v, "richlist")) == 3)
    check("address_count", api.address_count, lambda v: get(v, "count") > 0)
    check("default_connections", api.default_connections, lambda v: len(v) == 7)
    check("network_connections", api.network_connections,
          lambda v: get(v, "connections") in ([], None))
    check("network_connections_trust", api.network_connections_trust,
          lambda v: len(v) == 7)
    check("network_connections_exchange", api.network_connections_exchange,
          lambda v: v in ([], None))

    print(f"{len(failures)} failures: {failures}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
