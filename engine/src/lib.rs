//! The exchange core: order books, matching, the account ledger and the journal.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
