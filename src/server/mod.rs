//! The PostgreSQL wire protocol front end: login (SCRAM-SHA-256), TLS, per-connection sessions
//! over the shared engine, streaming results, cancellation, limits and metrics.
//!
//! Built on pgwire 0.41 with our own handlers (see `handler.rs`); results are encoded by
//! arrow-pg; `pg_catalog` comes from datafusion-pg-catalog.
//!
//! Behaviour notes for clients:
//! - Transactions are accepted (`BEGIN`/`COMMIT`/`ROLLBACK`/`SAVEPOINT`) but do nothing: the data
//!   is read-only for queries, so there is nothing to isolate or undo. After an error inside a
//!   transaction block the session refuses statements until `ROLLBACK` (as PostgreSQL does).
//! - `SET`/`SHOW`/`RESET` are per session. `SET datafusion.*` changes the session's engine
//!   options.
//! - Structs are sent as PostgreSQL records (`(a,b)`), lists as arrays.
//! - Cursors (`DECLARE`/`FETCH`/`CLOSE`) are forward-only; `FETCH` streams from the running
//!   query. Extended-protocol portals honour `max_rows` and stay suspended between fetches.
//! - Client disconnect is noticed when the server next writes to the client; a query that has
//!   produced no rows yet runs until its next batch.
pub mod config;
pub mod copy;
pub mod float_text;
pub mod handler;
pub mod metrics;
pub mod pg_proc;
pub mod pgcompat;
pub mod scram;
pub mod session;
pub mod sqlstate;
pub mod statement;
pub mod stream;
pub mod text_encode;
pub mod tls;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use parking_lot::Mutex;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

pub use config::{DEMO_USERS, ServerConfig, UserEntry, demo_users, scram_verifier};
pub use metrics::Metrics;

use crate::engine::Engine;
use handler::{CancelByKey, Conn, ConnHandlers, ServerState};

/// A server listening on its sockets.
pub struct RunningServer {
    /// Address of the PostgreSQL listener (the real port when bound to port 0).
    pub addr: SocketAddr,
    /// Address of the metrics endpoint, if configured.
    pub metrics_addr: Option<SocketAddr>,
    pub metrics: Arc<Metrics>,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningServer {
    /// Ask the server to stop (stop accepting; running queries get the grace period).
    pub fn shutdown(&self) {
        self.shutdown.cancel();
    }

    /// Wait until the server has stopped.
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("server task panicked")?
    }

    /// Stop and wait.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shutdown();
        self.wait().await
    }
}

/// Bind the listeners and start serving in the background; returns once the sockets are bound.
pub async fn bind(
    engine: Arc<Engine>,
    cfg: ServerConfig,
    shutdown: CancellationToken,
) -> anyhow::Result<RunningServer> {
    cfg.validate()?;
    let tls = match (&cfg.tls_cert, &cfg.tls_key) {
        (Some(cert), Some(key)) => Some(tls::acceptor(cert, key)?),
        _ => None,
    };
    let listener = TcpListener::bind(cfg.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.listen))?;
    let addr = listener.local_addr()?;
    let metrics = Arc::new(Metrics::new());
    let metrics_addr = match cfg.metrics_listen {
        Some(a) => {
            let l = TcpListener::bind(a)
                .await
                .with_context(|| format!("cannot listen on {a} for metrics"))?;
            let maddr = l.local_addr()?;
            tokio::spawn(metrics::serve_http(l, metrics.clone(), shutdown.clone()));
            Some(maddr)
        }
        None => None,
    };

    for t in engine.tables() {
        pgcompat::comments().set_table(
            &t.name,
            &t.description,
            t.columns
                .iter()
                .map(|c| (c.name.clone(), c.description.clone()))
                .collect(),
        );
    }

    let users = cfg
        .users
        .iter()
        .map(|u| {
            let v = scram::Verifier::parse(&u.scram_verifier)
                .map_err(|e| anyhow::anyhow!("user `{}`: {e}", u.name))?;
            Ok((u.name.clone(), (v, u.roles.clone())))
        })
        .collect::<anyhow::Result<HashMap<_, _>>>()?;
    let state = Arc::new(ServerState {
        engine,
        users,
        secret: rand::random(),
        metrics: metrics.clone(),
        parser: statement::SqlParser::default(),
        registry: Mutex::new(HashMap::new()),
        sessions: AtomicUsize::new(0),
        next_pid: AtomicI32::new(1000 + (rand::random::<u16>() as i32)),
        draining: CancellationToken::new(),
        kill: CancellationToken::new(),
        catalog_name: crate::engine::DEFAULT_CATALOG.to_string(),
        cfg,
    });
    tracing::info!(%addr, tls = tls.is_some(), metrics = ?metrics_addr, "aisle server listening");
    let task = tokio::spawn(accept_loop(listener, tls, state, shutdown.clone()));
    Ok(RunningServer {
        addr,
        metrics_addr,
        metrics,
        shutdown,
        task,
    })
}

/// Serve until `shutdown` is cancelled, then drain: stop accepting, let running statements finish
/// for `shutdown_grace_secs`, then cancel them and close.
pub async fn serve(
    engine: Arc<Engine>,
    cfg: ServerConfig,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    bind(engine, cfg, shutdown).await?.wait().await
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<pgwire::tokio::TlsAcceptor>,
    state: Arc<ServerState>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let mut conns = JoinSet::new();
    let open_sockets = Arc::new(AtomicUsize::new(0));
    // Sockets beyond this are closed at once (sessions over max_connections get 53300 first;
    // this bound only protects file descriptors from floods).
    let socket_cap = state.cfg.max_connections * 2 + 64;
    let cancel = Arc::new(CancelByKey {
        server: state.clone(),
    });
    loop {
        let (socket, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => continue,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        if open_sockets.load(Ordering::SeqCst) >= socket_cap {
            state.metrics.refused("socket_cap");
            drop(socket);
            continue;
        }
        open_sockets.fetch_add(1, Ordering::SeqCst);
        let handlers = ConnHandlers {
            conn: Conn::new(state.clone(), peer),
            cancel: cancel.clone(),
        };
        let tls = tls.clone();
        let open = open_sockets.clone();
        conns.spawn(async move {
            let conn = handlers.conn.clone();
            let r = pgwire::tokio::process_socket(socket, tls, handlers);
            if let Err(e) = r.await {
                tracing::debug!(peer = %peer, error = %e, "connection ended with an error");
            }
            drop(conn);
            open.fetch_sub(1, Ordering::SeqCst);
        });
    }

    // Drain.
    state.draining.cancel();
    drop(listener);
    let grace = Duration::from_secs(state.cfg.shutdown_grace_secs);
    tracing::info!(
        connections = conns.len(),
        grace_secs = grace.as_secs(),
        "shutting down"
    );
    let drained = tokio::time::timeout(grace, async {
        // Idle sessions would wait forever: wait only while statements are running.
        loop {
            let running = state
                .registry
                .lock()
                .values()
                .filter_map(|(_, s)| s.upgrade())
                .any(|s| s.is_running());
            if !running || conns.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!("grace period over: cancelling running statements");
    }
    state.kill.cancel();
    // Give cancelled statements a moment to report 57P01, then close everything.
    let _ = tokio::time::timeout(Duration::from_millis(500), async {
        while state
            .registry
            .lock()
            .values()
            .filter_map(|(_, s)| s.upgrade())
            .any(|s| s.is_running())
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    conns.abort_all();
    while conns.join_next().await.is_some() {}
    tracing::info!("server stopped");
    Ok(())
}
