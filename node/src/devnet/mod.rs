//! Private chains: synthetic chain generation and the block publisher.
