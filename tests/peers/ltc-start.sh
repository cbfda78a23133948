#!/bin/sh
# Starts Litecoin Core (Debian package litecoind) in regtest on loopback only.
# Usage: ltc-start.sh DATADIR RPC_PORT P2P_PORT [extra litecoind flags]
# RPC credentials: user u, password p. Installs litecoind when missing.
set -e
DATADIR=${1:?datadir}
RPC_PORT=${2:?rpc port}
P2P_PORT=${3:?p2p port}
shift 3
if ! command -v litecoind >/dev/null 2>&1; then
  apt-get install -y litecoind >/dev/null
fi
mkdir -p "$DATADIR"
exec litecoind -regtest -datadir="$DATADIR" -server=1 -txindex=1 \
  -rpcuser=u -rpcpassword=p -rpcbind=127.0.0.1 -rpcallowip=127.0.0.1 -rpcport="$RPC_PORT" \
  -bind=127.0.0.1 -port="$P2P_PORT" -listen=1 -dnsseed=0 -discover=0 \
  -fallbackfee=0.0001 -daemon "$@"
