//! The HTTP API: the reference Skycoin REST API and skyx extensions.
