use clap::Parser;
use nexus::cli::{Cli, Command};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let level = if matches!(cli.command, None | Some(Command::Serve)) { "info" } else { "warn" };
    nexus::telemetry::init(&cli.config.log_format, level);
    match cli.run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            // One line, with its causes: scripts and people both read it.
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
