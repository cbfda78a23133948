//! How commands print results: JSON on stdout, compact with `--json`,
//! indented otherwise (both parse as JSON).

use serde::Serialize;

/// Prints `value` as JSON on stdout.
pub fn print_json<T: Serialize>(value: &T, compact: bool) -> anyhow::Result<()> {
    let text = if compact {
        serde_json::to_string(value)?
    } else {
        serde_json::to_string_pretty(value)?
    };
    println!("{text}");
    Ok(())
}
