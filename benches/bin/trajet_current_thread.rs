//! trajet exactly as the `trajet` binary runs it, on tokio's `current_thread`
//! runtime instead of the multi-threaded one: the load test measures both
//! (PERF.md found `current_thread` faster on a Redis route with one core).

use clap::Parser;
use trajet::cli::Cli;
use trajet::config::Config;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let (config, explained) = match Config::load() {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("trajet: configuration error: {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    trajet::telemetry::init(config.log_format);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(trajet::cli::run(cli, config, explained)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trajet: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
