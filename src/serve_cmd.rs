//! `aisle serve`: flags, config merging, demo set-up, and running the wire server until SIGTERM.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use tokio_util::sync::CancellationToken;

use aisle::config::ConfigFile;
use aisle::engine::Engine;
use aisle::server::{ServerConfig, demo_users, scram_verifier, serve};

use crate::{DEMO_MARKER, EngineArgs, engine_config, runtime};

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// Address to listen on.
    #[arg(long, env = "AISLE_LISTEN")]
    listen: Option<SocketAddr>,
    /// Generate the demo data if it is missing, create the demo users and serve them.
    #[arg(long)]
    demo: bool,
    /// Prometheus /metrics and /healthz on this address.
    #[arg(long, env = "AISLE_METRICS")]
    metrics: Option<SocketAddr>,
    /// TLS certificate chain (PEM).
    #[arg(long, env = "AISLE_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM, PKCS#1 or PKCS#8).
    #[arg(long, env = "AISLE_TLS_KEY")]
    tls_key: Option<PathBuf>,
    /// Refuse connections that do not use TLS.
    #[arg(long)]
    tls_required: bool,
    /// Maximum concurrent connections.
    #[arg(long, env = "AISLE_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
}

/// `name = "SCRAM-SHA-256$..."` line for the `[[server.users]]` table of the config file.
pub fn verifier_line(user: &str, password: &str) -> String {
    format!(
        "[[server.users]]\nname = \"{user}\"\nscram_verifier = \"{}\"\nroles = []",
        scram_verifier(password)
    )
}

pub fn run(a: ServeArgs, file: &ConfigFile) -> anyhow::Result<ExitCode> {
    let mut cfg: ServerConfig = match &file.server {
        Some(t) => t
            .clone()
            .try_into()
            .context("invalid [server] section in the config file")?,
        None => ServerConfig::default(),
    };
    if let Some(l) = a.listen {
        cfg.listen = l;
    }
    if a.metrics.is_some() {
        cfg.metrics_listen = a.metrics;
    }
    if a.tls_cert.is_some() {
        cfg.tls_cert = a.tls_cert.clone();
    }
    if a.tls_key.is_some() {
        cfg.tls_key = a.tls_key.clone();
    }
    if a.tls_required {
        cfg.tls_required = true;
    }
    if let Some(m) = a.max_connections {
        cfg.max_connections = m;
    }

    let mut engine_args = a.engine.clone();
    let mut demo_logins = Vec::new();
    if a.demo {
        let dir = engine_args
            .data_dir
            .clone()
            .or_else(|| file.engine.data_dir.clone())
            .unwrap_or_else(|| PathBuf::from("./aisle-data"));
        if !dir.join(DEMO_MARKER).exists() {
            eprintln!(
                "no demo data in {}: generating it (scale 1, seed 42)...",
                dir.display()
            );
            aisle::demo::generate(&aisle::demo::GenerateOptions {
                scale: 1.0,
                seed: 42,
                out: dir.clone(),
                progress: true,
            })?;
        }
        engine_args.data_dir = Some(dir);
        let password = std::env::var("AISLE_DEMO_PASSWORD").ok();
        let (users, logins) = demo_users(password.as_deref());
        for u in users {
            if !cfg.users.iter().any(|x| x.name == u.name) {
                cfg.users.push(u);
            }
        }
        demo_logins = logins;
    }

    let rt = runtime()?;
    rt.block_on(async move {
        let mut engine_cfg = engine_config(&engine_args, file)?;
        if a.demo {
            // The built-in demo grants (docs/governance.md); roles in the config file win.
            engine_cfg.access = engine_cfg.access.with_demo_defaults();
        }
        let engine = Engine::open(engine_cfg).await?;
        // Audit log, recommendation runs and decisions: `[governance.audit|runs|decisions]`,
        // by default under `<data dir>/governance` (so `serve --demo` keeps them with its data).
        let state_dir = aisle::governance::service::default_state_dir(
            engine_args
                .data_dir
                .as_deref()
                .or(file.engine.data_dir.as_deref()),
        );
        let gov_cfg = aisle::governance::service::GovernanceConfig::from_toml(
            file.governance.as_ref(),
            &state_dir,
            std::path::Path::new("."),
        )?;
        tracing::info!(audit = %gov_cfg.audit.dir.display(), runs = %gov_cfg.runs.dir.display(),
            decisions = %gov_cfg.decisions.dir.display(), "governance folders");
        cfg.governance =
            Some(aisle::governance::service::Governance::open(gov_cfg, &engine).await?);
        let shutdown = CancellationToken::new();
        let signal_token = shutdown.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutdown requested: no new connections, finishing running queries");
            signal_token.cancel();
        });
        if !demo_logins.is_empty() {
            let (user, pw) = &demo_logins[0];
            eprintln!("demo users (user / password):");
            for (u, p) in &demo_logins {
                eprintln!("  {u:<10} {p}");
            }
            eprintln!(
                "connect with:\n  psql \"postgresql://{user}:{pw}@{}:{}/aisle?sslmode=disable\"",
                cfg.listen.ip(),
                cfg.listen.port()
            );
        }
        serve(engine, cfg, shutdown).await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// SIGTERM (service managers) or Ctrl-C (people).
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
