//! `/metrics` (Prometheus text format) and `/healthz` on a separate HTTP port.
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

type Labels = Vec<(&'static str, String)>;

/// The server's metrics.
pub struct Metrics {
    registry: Registry,
    pub connections_active: Gauge,
    pub connections_total: Counter,
    pub connections_refused: Family<Labels, Counter>,
    pub queries: Family<Labels, Counter>,
    pub query_seconds: Histogram,
    pub rows_sent: Counter,
    pub bytes_sent: Counter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("aisle");
        let connections_active = Gauge::default();
        let connections_total = Counter::default();
        let connections_refused = Family::<Labels, Counter>::default();
        let queries = Family::<Labels, Counter>::default();
        let query_seconds = Histogram::new(exponential_buckets(0.0005, 2.0, 20));
        let rows_sent = Counter::default();
        let bytes_sent = Counter::default();
        registry.register(
            "connections_active",
            "Open client sessions",
            connections_active.clone(),
        );
        registry.register(
            "connections",
            "Client sessions accepted",
            connections_total.clone(),
        );
        registry.register(
            "connections_refused",
            "Connections refused, by reason",
            connections_refused.clone(),
        );
        registry.register(
            "queries",
            "Statements run, by outcome and SQLSTATE class",
            queries.clone(),
        );
        registry.register(
            "query_duration_seconds",
            "Statement latency",
            query_seconds.clone(),
        );
        registry.register(
            "rows_sent",
            "Result rows sent to clients",
            rows_sent.clone(),
        );
        registry.register(
            "bytes_sent",
            "Bytes of result rows sent to clients",
            bytes_sent.clone(),
        );
        Metrics {
            registry,
            connections_active,
            connections_total,
            connections_refused,
            queries,
            query_seconds,
            rows_sent,
            bytes_sent,
        }
    }

    /// Record one finished statement.
    pub fn statement(&self, sqlstate: &str, elapsed: Duration, rows: u64, bytes: u64) {
        let outcome = match sqlstate {
            "00000" => "ok",
            "57014" => "canceled",
            _ => "error",
        };
        let class = sqlstate.get(..2).unwrap_or("00").to_string();
        self.queries
            .get_or_create(&vec![("outcome", outcome.to_string()), ("class", class)])
            .inc();
        self.query_seconds.observe(elapsed.as_secs_f64());
        self.rows_sent.inc_by(rows);
        self.bytes_sent.inc_by(bytes);
    }

    pub fn refused(&self, reason: &str) {
        self.connections_refused
            .get_or_create(&vec![("reason", reason.to_string())])
            .inc();
    }

    /// Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = encode(&mut out, &self.registry);
        out
    }
}

async fn handle(
    metrics: Arc<Metrics>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let resp = match req.uri().path() {
        "/metrics" => Response::builder()
            .header(
                "content-type",
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )
            .body(Full::new(Bytes::from(metrics.render()))),
        "/healthz" => Response::builder()
            .header("content-type", "text/plain")
            .body(Full::new(Bytes::from_static(b"ok\n"))),
        _ => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(Full::new(Bytes::from_static(b"not found\n"))),
    };
    Ok(resp.unwrap_or_else(|_| Response::new(Full::new(Bytes::new()))))
}

/// Serve `/metrics` and `/healthz` until `shutdown`.
pub async fn serve_http(listener: TcpListener, metrics: Arc<Metrics>, shutdown: CancellationToken) {
    loop {
        let (stream, _peer): (tokio::net::TcpStream, SocketAddr) = tokio::select! {
            _ = shutdown.cancelled() => return,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "metrics endpoint accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let io = hyper_util::rt::TokioIo::new(stream);
            let svc = hyper::service::service_fn(move |req| handle(metrics.clone(), req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, svc)
                .await;
        });
    }
}
