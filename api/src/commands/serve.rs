//! `skyx serve` and `skyx openapi`.

use std::process::ExitCode;

use clap::Args;

/// Arguments of `skyx serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {}

/// Arguments of `skyx openapi`.
#[derive(Debug, Args)]
pub struct OpenapiArgs {}

/// Runs the server.
pub fn run(_args: &ServeArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("the HTTP server is not part of this build yet")
}

/// Prints the OpenAPI document.
pub fn openapi(_args: &OpenapiArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("the HTTP server is not part of this build yet")
}
