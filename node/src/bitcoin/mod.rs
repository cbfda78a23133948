//! Bitcoin-family adapter: follows a coin daemon over JSON-RPC and indexes watched addresses.
