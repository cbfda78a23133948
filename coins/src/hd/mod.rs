//! Hierarchical deterministic keys: BIP39, BIP32, BIP44/49/84, SLIP-44.
