//! One file per subcommand; each exposes `run`. The dashboard (no subcommand) is `tui`.

pub mod export;
pub mod list;
pub mod replay;
pub mod send;
pub mod serve;

/// Resolves on Ctrl-C, SIGTERM or SIGHUP.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let term = async {
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    let hup = async {
        match signal(SignalKind::hangup()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
        _ = hup => {}
    }
}
