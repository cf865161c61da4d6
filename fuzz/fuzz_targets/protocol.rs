//! Fuzz target `protocol`: the PostgreSQL wire front end.
//!
//! One aisle server runs in this process on 127.0.0.1 (the real `server::bind`: pgwire's codec,
//! our startup/auth handlers, our simple and extended query handlers, COPY, session settings,
//! the row streams), with trust login for `admin` so fuzzed bytes reach the query handlers. Each
//! input is sent on a fresh TCP connection:
//!
//! * byte 0, bit 0 set: a valid StartupMessage (user admin, database aisle) goes first, so the
//!   rest is read as frontend messages (Query, Parse, Bind, Describe, Execute, Sync, Close,
//!   CopyData, ...); bit 0 clear: the input is sent as it is, startup packet included
//!   (SSLRequest, CancelRequest, wrong versions, lying lengths);
//! * byte 0, bit 1 set: a Sync and a Terminate follow, so a well-formed sequence ends cleanly;
//! * the rest of the input: the bytes.
//!
//! After the bytes the client half-closes the socket and reads until the server closes it (at
//! most 4 MiB, at most 10 s). Every 64 inputs, and on the first, a well-behaved client must log in
//! and get `42` for `SELECT 42` within 20 s, else the target panics ("the server stopped
//! answering"). A panic anywhere in the process — a handler, a query task, pgwire — aborts
//! (libFuzzer's panic hook), so a panic that the server would only have logged is still a crash.
#![no_main]

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aisle::engine::{Engine, EngineConfig};
use aisle::server::{self, RunningServer, ServerConfig, UserEntry};
use libfuzzer_sys::fuzz_target;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

struct Env {
    rt: tokio::runtime::Runtime,
    srv: RunningServer,
}

fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let srv = rt.block_on(async {
            let engine = Engine::open(EngineConfig {
                target_partitions: Some(1),
                ..Default::default()
            })
            .await
            .expect("open the engine");
            server::bind(
                engine,
                ServerConfig {
                    listen: "127.0.0.1:0".parse().unwrap(),
                    users: vec![UserEntry {
                        name: "admin".into(),
                        scram_verifier: server::scram_verifier("fuzz-secret"),
                        roles: vec!["admin".into()],
                    }],
                    allow_trust: true,
                    // fuzzed SQL may ask for a lot of work: bound it
                    statement_timeout_ms: 2_000,
                    shutdown_grace_secs: 1,
                    ..Default::default()
                },
                CancellationToken::new(),
            )
            .await
            .expect("bind the server")
        });
        Env { rt, srv }
    })
}

fn startup() -> Vec<u8> {
    let mut body = 196608i32.to_be_bytes().to_vec();
    for s in ["user", "admin", "database", "aisle"] {
        body.extend_from_slice(s.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut out = ((body.len() + 4) as i32).to_be_bytes().to_vec();
    out.extend(body);
    out
}

fn msg(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    v.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
    v.extend_from_slice(body);
    v
}

/// Send, half-close, read until the server closes (bounded). Returns what came back.
async fn exchange(addr: SocketAddr, bytes: &[u8], limit: usize, wait: Duration) -> Vec<u8> {
    let Ok(mut s) = tokio::net::TcpStream::connect(addr).await else {
        return Vec::new();
    };
    let _ = s.write_all(bytes).await;
    let _ = s.shutdown().await;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let deadline = Instant::now() + wait;
    while out.len() < limit {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
    out
}

/// A well-behaved client logs in and gets 42.
async fn healthy(addr: SocketAddr) -> bool {
    let mut q = startup();
    q.extend(msg(b'Q', b"SELECT 42\0"));
    q.extend(msg(b'X', b""));
    let got = exchange(addr, &q, 1 << 20, Duration::from_secs(20)).await;
    // DataRow 'D' with one column of 2 bytes "42", then ReadyForQuery
    let row = [b'D', 0, 0, 0, 12, 0, 1, 0, 0, 0, 2, b'4', b'2'];
    got.windows(row.len()).any(|w| w == row)
}

static RUNS: AtomicU64 = AtomicU64::new(0);

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let env = env();
    let addr = env.srv.addr;
    let mut bytes = Vec::with_capacity(rest.len() + 64);
    if flags & 1 == 1 {
        bytes.extend(startup());
    }
    bytes.extend_from_slice(rest);
    if flags & 2 == 2 {
        bytes.extend(msg(b'S', b""));
        bytes.extend(msg(b'X', b""));
    }
    let n = RUNS.fetch_add(1, Ordering::Relaxed);
    env.rt.block_on(async {
        exchange(addr, &bytes, 4 << 20, Duration::from_secs(10)).await;
        if n % 64 == 0 {
            assert!(
                healthy(addr).await,
                "the server stopped answering a well-behaved client after input {n}"
            );
        }
    });
});
