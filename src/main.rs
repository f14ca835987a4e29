//! The `trajet` binary: read the configuration, start logs, run the command.

use clap::Parser;
use trajet::cli::Cli;
use trajet::config::Config;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let (config, explained) = match Config::load() {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("trajet: configuration error: {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    trajet::telemetry::init(config.log_format);
    match trajet::cli::run(cli, config, explained).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trajet: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
