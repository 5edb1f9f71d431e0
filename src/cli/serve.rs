//! `chemodose serve`: the local web page ([`crate::web`]) on one address,
//! loopback unless told otherwise, until TERM or INT.

use std::net::SocketAddr;

use clap::Args;

use super::regimens::LibraryArgs;
use super::{Failure, InputError, Report};

/// `serve`'s arguments.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on: 127.0.0.1:8080 (this machine only);
    /// port 0 picks a free port. Another address is reachable from the
    /// network, and a warning says so.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    #[command(flatten)]
    lib: LibraryArgs,
}

/// Serves until TERM or INT; the requests in flight are answered first.
pub fn run(a: ServeArgs) -> Result<Report, Failure> {
    // The library is read once here so that a bad folder is refused before
    // the server starts; each request reads it again (edits show at once).
    let (_, from) = a.lib.library()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| InputError(format!("cannot start the web server: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(a.bind)
            .await
            .map_err(|e| InputError(format!("cannot listen on {}: {e}", a.bind)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| InputError(format!("cannot listen on {}: {e}", a.bind)))?;
        let stop = shutdown()?;
        if !crate::web::is_loopback(addr) {
            super::note(&format!(
                "warning: listening on {addr}, reachable from the network: chemodose has no login; bind 127.0.0.1 unless a proxy in front of it controls who may connect"
            ));
        }
        super::note(&format!("chemodose: serving http://{addr}/ ({from}); Ctrl-C stops"));
        let server = crate::web::Server::new(a.lib.regimens.clone(), Box::new(super::note));
        crate::web::serve(listener, server, stop)
            .await
            .map_err(|e| InputError(format!("the web server stopped: {e}")))?;
        Ok::<_, Failure>(())
    })?;
    let mut report = Report::default();
    report.notes.push("chemodose: stopped".to_owned());
    Ok(report)
}

/// A future that completes on INT (Ctrl-C) or, on Unix, TERM. The handlers
/// are installed here, before the address is announced: a signal sent as
/// soon as the server says it is serving stops it cleanly.
fn shutdown() -> Result<impl std::future::Future<Output = ()> + Send + 'static, InputError> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())
            .map_err(|e| InputError(format!("cannot watch for Ctrl-C: {e}")))?;
        let mut terminate = signal(SignalKind::terminate())
            .map_err(|e| InputError(format!("cannot watch for TERM: {e}")))?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
