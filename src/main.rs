//! The `hookwatch` binary: parse the command line, resolve settings, run one command.
//! See the library's module map (`src/lib.rs`) for the whole house.

use clap::Parser;
use hookwatch::cli::{Cli, Command};
use hookwatch::cmd;
use hookwatch::config::Settings;
use std::process::ExitCode;

/// mimalloc: under load glibc's allocator ran `malloc_consolidate` on nearly every
/// body-sized allocation (see README, Performance). Built with `no_thp`: its default
/// `madvise(MADV_HUGEPAGE)` on every region had the kernel zero 2 MiB per first touch, which
/// more than doubled the dashboard's first frame (592 vs 244 ms) for no receiver gain.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
            // Nothing may be printed while the dashboard owns the terminal: log to a file.
            let _log = log_to_file(&settings);
            hookwatch::tui::run(settings, cli.demo)
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Log to `hookwatch.log` beside the database (the data dir); the guard flushes at exit.
fn log_to_file(settings: &Settings) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = settings
        .db_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    std::fs::create_dir_all(&dir).ok()?;
    let (writer, guard) =
        tracing_appender::non_blocking(tracing_appender::rolling::never(dir, "hookwatch.log"));
    let filter = tracing_subscriber::EnvFilter::try_from_env("HOOKWATCH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(writer)
        .try_init()
        .ok()?;
    Some(guard)
}

fn log_to_stderr() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("HOOKWATCH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
