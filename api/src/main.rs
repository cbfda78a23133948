//! The `skyx` command.
fn main() {}
