#!/bin/sh
# Starts the reference Skycoin node (built by build-skycoin-node.sh) as the
# block publisher of a private chain on loopback, for trying skyx against it
# by hand. The publisher key also owns the 100M genesis coins.
#
# Usage: tests/peers/start-skycoin-private-chain.sh DATA_DIR [P2P_PORT] [WEB_PORT]
#   SKYX_GO_NODE  path of the node binary (default: target/skycoin-node/bin/skycoin-node)
#
# Prints the chain's parameters (what `skyx` needs as a chain spec, and the
# genesis signature that other peers of the chain are started with), then
# leaves the node running; its pid is in DATA_DIR/node.pid, its log in
# DATA_DIR/node.log. The publisher mints a block of its pool every 10 s, but
# only while networking is on and (to accept a transaction) a peer is
# connected: connect skyx to P2P_PORT.
set -eu

DATA=${1:?usage: $0 DATA_DIR [P2P_PORT] [WEB_PORT]}
PORT=${2:-16000}
WEB=${3:-16420}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NODE=${SKYX_GO_NODE:-$ROOT/target/skycoin-node/bin/skycoin-node}
[ -x "$NODE" ] || { echo "no node binary at $NODE: run tests/peers/build-skycoin-node.sh" >&2; exit 1; }

PUBKEY=02deaa6d96e7b42d34c0a340beadb54126439e9c6119ecf04e530fcb3d5c65184d
SECKEY=bd186ed3654a08cab8da14bd2cdfbe2d1cd440a7f0368943b59769b396815268
GENESIS_ADDRESS=2hjTpHBTwK9vbd4EA8F8D4a7k6n3poyWFwu
GENESIS_TIME=1426562704

mkdir -p "$DATA"
"$NODE" -block-publisher \
  -blockchain-public-key "$PUBKEY" -blockchain-secret-key "$SECKEY" \
  -genesis-address "$GENESIS_ADDRESS" -genesis-timestamp "$GENESIS_TIME" \
  -data-dir "$DATA/node" -port "$PORT" -web-interface-port "$WEB" \
  -disable-pex -localhost-only -disable-default-peers -download-peerlist=false \
  -enable-all-api-sets -launch-browser=false -enable-gui=false \
  -web-interface-addr 127.0.0.1 -address 127.0.0.1 \
  >>"$DATA/node.log" 2>&1 &
echo $! >"$DATA/node.pid"

# The signature is logged when the genesis block is first made; keep it for restarts.
i=0
while [ ! -s "$DATA/genesis.sig" ] && [ $i -lt 100 ]; do
  grep -o 'Genesis block signature=[0-9a-f]*' "$DATA/node.log" 2>/dev/null | head -1 | cut -d= -f2 >"$DATA/genesis.sig" || true
  i=$((i + 1)); sleep 0.1
done
i=0
until curl -sf "http://127.0.0.1:$WEB/api/v1/health" >/dev/null 2>&1 || [ $i -ge 100 ]; do
  i=$((i + 1)); sleep 0.1
done
cat <<INFO
p2p               127.0.0.1:$PORT
rest              http://127.0.0.1:$WEB
publisher_pubkey  $PUBKEY
genesis_address   $GENESIS_ADDRESS
genesis_timestamp $GENESIS_TIME
genesis_coins     100000000000000 (hours the same)
genesis_signature $(cat "$DATA/genesis.sig")
INFO
