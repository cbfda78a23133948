#!/bin/sh
# Builds the Skycoin reference node (Go, v0.26.0) used by the peer-protocol
# end-to-end tests, from the Go sources that the PyPI source distribution
# pyskycoin==0.26.0 vendors. Installs Debian's Go toolchain when it is
# missing; needs no network besides apt and PyPI (Go modules stay offline).
#
# Usage: tests/peers/build-skycoin-node.sh [DEST]      (default DEST: target/skycoin-node)
# Prints the path of the built node binary on its last line. A second run
# reuses the download and the binary.
set -eu

DEST=${1:-$(cd "$(dirname "$0")/../.." && pwd)/target/skycoin-node}
VERSION=0.26.0
SDIST="pyskycoin-$VERSION.tar.gz"
BIN="$DEST/bin/skycoin-node"

if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "installing the Go toolchain (golang-go)" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q golang-go >&2 ||
    { $SUDO apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q golang-go >&2; }
fi

mkdir -p "$DEST/cache" "$DEST/bin"
if [ ! -f "$DEST/cache/$SDIST" ]; then
  echo "downloading $SDIST from PyPI" >&2
  if command -v pip3 >/dev/null 2>&1; then PIP=pip3; else PIP=pip; fi
  "$PIP" download --no-deps --no-binary=:all: "pyskycoin==$VERSION" -d "$DEST/cache" -q >&2
fi

SRC="$DEST/src"
rm -rf "$SRC"
mkdir -p "$SRC"
tar xzf "$DEST/cache/$SDIST" -C "$SRC"

# The sdist carries a GOPATH tree with the node and all its dependencies.
GOPATH="$SRC/pyskycoin-$VERSION/gopath"
NODE="$GOPATH/src/github.com/skycoin/libskycoin/vendor/github.com/skycoin/skycoin/cmd/skycoin"
[ -d "$NODE" ] || { echo "node sources not found in $SDIST" >&2; exit 1; }
echo "building the Skycoin node $VERSION" >&2
(
  cd "$NODE"
  GOPATH="$GOPATH" GO111MODULE=off GOPROXY=off GOFLAGS= GOCACHE="$DEST/gocache" \
    go build -o "$BIN.tmp" .
)
mv "$BIN.tmp" "$BIN"
rm -rf "$SRC"
echo "$BIN"
