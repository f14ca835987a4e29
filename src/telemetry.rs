//! Structured logs: readable lines by default, JSON with `TRAJET_LOG_FORMAT=json`.
//! The level comes from `RUST_LOG` (default `info`, with sqlx at `warn`: the
//! server's notices, such as "relation already exists, skipping" when the
//! migrations check their table, are not news).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global log subscriber (once per process).
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    // Colours only for a person at a terminal: log files and collectors get
    // plain text, and each request's span fields are not wrapped in escape codes.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
}
