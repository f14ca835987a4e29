//! The `trajet` binary: read the configuration, start logs, run the command.

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
    // Built from the configuration (`runtime`, `worker_threads`), so it is read first.
    let runtime = match config.runtime.build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("trajet: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(trajet::cli::run(cli, config, explained)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trajet: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
