//! Accepting and serving connections with deadlines, so that slow or idle clients cannot
//! hold the server and a rolling restart never hangs:
//!
//! - a request's head must arrive within `header_read_timeout_secs`, and an idle
//!   keep-alive connection is closed after the same time (hyper starts the clock whenever
//!   it waits for a head);
//! - a body must progress every `body_timeout_secs` and finish within
//!   `request_timeout_secs` (layers in `web::router`);
//! - one address holds at most `max_connections_per_address` connections (trusted proxies
//!   excepted: all their clients share their address); one more hears 503 with
//!   `Retry-After` and is closed;
//! - on SIGTERM the listener closes, requests in flight get `shutdown_grace_secs` to finish,
//!   then the remaining connections are cut and the process exits.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1::Builder;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::ServiceExt;

use crate::config::Config;

/// The limits a connection lives under, from the configuration.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    pub header_read_timeout: Duration,
    pub max_per_address: usize,
    pub exempt: Vec<IpAddr>,
    pub shutdown_grace: Duration,
}

impl ConnectionLimits {
    pub fn from_config(config: &Config) -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(config.header_read_timeout_secs),
            max_per_address: config.max_connections_per_address,
            exempt: config.trusted_proxies.clone(),
            shutdown_grace: Duration::from_secs(config.shutdown_grace_secs),
        }
    }
}

/// What a connection beyond its address's limit hears before it is closed: a client
/// behind a shared address (a hospital's NAT) is told to come back, not cut off unheard.
const TURNED_AWAY: &str = "同一网络的连接过多，请稍等几秒后重试。\n";

/// Answers 503 with `Retry-After` to a connection over the limit and closes it. The
/// request's head is read first (up to 8 KiB; HTTP clients take no answer to a request
/// they have not sent), and the close lingers (what the client still sends is read and
/// dropped until it closes too) so the answer is not lost to a reset. The whole takes at
/// most a second, whatever the client does.
async fn turn_away(mut stream: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n\
         Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\
         Content-Length: {}\r\n\r\n{TURNED_AWAY}",
        TURNED_AWAY.len()
    );
    let answer = async {
        let mut head = Vec::with_capacity(1024);
        let mut chunk = [0u8; 1024];
        while head.len() < 8192 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let read = stream.read(&mut chunk).await?;
            if read == 0 {
                break;
            }
            head.extend_from_slice(&chunk[..read]);
        }
        stream.write_all(response.as_bytes()).await?;
        stream.shutdown().await?;
        while stream.read(&mut chunk).await? > 0 {}
        Ok::<_, std::io::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), answer).await;
}

/// Live connections per address.
#[derive(Debug, Default)]
struct Counts(Mutex<HashMap<IpAddr, usize>>);

/// A connection's place in [`Counts`], given back when it closes.
struct Slot {
    counts: Arc<Counts>,
    ip: IpAddr,
}

impl Counts {
    fn admit(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<Slot> {
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = map.entry(ip).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(Slot {
            counts: Arc::clone(self),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut map = self
            .counts
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = map.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then drains for at most the
/// grace period.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    // HTTP/1.1 only: browsers speak it to a plain-HTTP origin (HTTP/2 ends at the TLS
    // proxy), and it lets the head timer run from the first moment of a connection, where
    // protocol detection would wait for a first byte without one.
    let mut builder = Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let builder = Arc::new(builder);
    let counts = Arc::new(Counts::default());
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);

    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let max = if limits.exempt.contains(&peer.ip()) {
            usize::MAX
        } else {
            limits.max_per_address
        };
        let Some(slot) = counts.admit(peer.ip(), max) else {
            tracing::debug!(%peer, "too many connections from this address");
            tokio::spawn(turn_away(stream));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone().map_request(
            move |mut request: Request<Incoming>| {
                request
                    .extensions_mut()
                    .insert(ConnectInfo::<SocketAddr>(peer));
                request.map(Body::new)
            },
        ));
        let builder = Arc::clone(&builder);
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            if let Err(err) = watcher.watch(connection).await {
                tracing::debug!(%peer, error = %err, "connection ended");
            }
            drop(slot);
        });
    }

    drop(listener);
    tracing::info!(
        connections = graceful.count(),
        grace = ?limits.shutdown_grace,
        "draining connections"
    );
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("grace period over: cutting the connections still open");
    }
    Ok(())
}
