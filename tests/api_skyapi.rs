//! A real client: `skyapi` (PyPI, generated from the reference node's own
//! OpenAPI spec) calls read endpoints of a running `skyx serve` through
//! `tests/skyapi/read_endpoints.py`.
//!
//! Needs `SKYX_SKYAPI_PYTHON`: the python of a venv with `skyapi==0.26.0`
//! (tests/run creates it in target/skyapi-venv).

#[path = "api_common/mod.rs"]
mod common;

use std::process::Command;

use common::{import, Server};

#[test]
fn skyapi_client_reads_skyx() {
    let python = std::env::var("SKYX_SKYAPI_PYTHON").unwrap_or_else(|_| {
        panic!(
            "SKYX_SKYAPI_PYTHON is not set: create the client venv with \
             `python3 -m venv target/skyapi-venv && target/skyapi-venv/bin/pip install skyapi==0.26.0` \
             and set SKYX_SKYAPI_PYTHON=target/skyapi-venv/bin/python (tests/run does both)"
        )
    });
    let dir = import("blockchain-180.db");
    let server = Server::start(dir.path(), &[]);
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/skyapi/read_endpoints.py"
    );
    let out = Command::new(&python)
        .arg(script)
        .arg(format!("http://{}", server.http))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "skyapi calls failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ok = stdout.lines().filter(|l| l.starts_with("ok ")).count();
    assert!(ok >= 15, "only {ok} skyapi calls succeeded");
}
