use clap::Parser;
use clap::error::ErrorKind;
use nexus::cli::{Cli, Command};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    let level = if matches!(cli.command, None | Some(Command::Serve)) {
        "info"
    } else {
        "warn"
    };
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

/// Help and version print as clap renders them; a usage mistake is one `error:` line.
fn usage_error(err: &clap::Error) -> std::process::ExitCode {
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        err.exit();
    }
    let rendered = err.render().to_string();
    let line = rendered
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("error: invalid arguments");
    eprintln!("{line} (see `nexus --help`)");
    std::process::ExitCode::from(2)
}
