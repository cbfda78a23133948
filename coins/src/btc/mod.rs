//! The Bitcoin family: BTC, LTC, DOGE and the FORKID chains BCH/BSV.
