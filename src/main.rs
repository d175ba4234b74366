//! The `hookwatch` binary: parse the command line, resolve settings, run one command.
//! See the library's module map (`src/lib.rs`) for the whole house.

use clap::Parser;
use hookwatch::cli::{Cli, Command};
use hookwatch::cmd;
use hookwatch::config::Settings;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hookwatch: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::resolve(&cli.common, cli.demo)?;
    match cli.command {
        Some(Command::Serve) => {
            log_to_stderr();
            runtime()?.block_on(cmd::serve::run(settings, cli.demo))
        }
        Some(Command::Send(args)) => {
            log_to_stderr();
            runtime()?.block_on(cmd::send::run(settings, args))
        }
        Some(Command::List(args)) => cmd::list::run(settings, args),
        Some(Command::Export(args)) => cmd::export::run(settings, args),
        Some(Command::Replay(args)) => {
            log_to_stderr();
            runtime()?.block_on(cmd::replay::run(settings, args))
        }
        None => {
            log_to_stderr();
            runtime()?.block_on(cmd::serve::run(settings, cli.demo))
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn log_to_stderr() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HOOKWATCH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
