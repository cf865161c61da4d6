//! Server configuration: listen address, limits, TLS, metrics endpoint and users.
//!
//! Users are stored with PostgreSQL-format SCRAM-SHA-256 verifiers
//! (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`), never plain passwords.
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

use super::scram;

/// One user allowed to log in.
#[derive(Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UserEntry {
    pub name: String,
    /// PostgreSQL-format SCRAM-SHA-256 verifier, as printed by `aisle passwd`.
    pub scram_verifier: String,
    /// Roles of the user (`admin`, `planner`, `approver`, `analyst`, `auditor`, ...).
    #[serde(default)]
    pub roles: Vec<String>,
}

/// Configuration of the wire server (the `[server]` section of the config file).
#[derive(Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address of the PostgreSQL protocol listener.
    pub listen: SocketAddr,
    /// Sessions allowed at once; one more gets SQLSTATE 53300.
    pub max_connections: usize,
    /// PEM certificate chain; with `tls_key` enables TLS.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key (PKCS#1, PKCS#8 or SEC1).
    pub tls_key: Option<PathBuf>,
    /// Refuse sessions that did not negotiate TLS (SQLSTATE 28000).
    pub tls_required: bool,
    /// Address of the HTTP endpoint serving `/metrics` and `/healthz`.
    pub metrics_listen: Option<SocketAddr>,
    /// On shutdown, how long running queries may go on before connections are closed.
    pub shutdown_grace_secs: u64,
    /// Users and their SCRAM verifiers.
    pub users: Vec<UserEntry>,
    /// Accept any user without a password. Only for local experiments; must be asked for.
    pub allow_trust: bool,
    /// Default `statement_timeout` of new sessions in milliseconds (0 = none).
    pub statement_timeout_ms: u64,
    /// Database name reported to clients (`current_database()`, `\l`); any name is accepted at
    /// login.
    pub database: String,
    /// Audit log, recommendation runs and decisions (opened by `aisle serve`; `None`: no audit,
    /// no decisions).
    #[serde(skip)]
    pub governance: Option<std::sync::Arc<crate::governance::service::Governance>>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:5433".parse().expect("valid default address"),
            max_connections: 100,
            tls_cert: None,
            tls_key: None,
            tls_required: false,
            metrics_listen: None,
            shutdown_grace_secs: 30,
            users: Vec::new(),
            allow_trust: false,
            statement_timeout_ms: 0,
            database: "aisle".to_string(),
            governance: None,
        }
    }
}

impl ServerConfig {
    /// Check the configuration before serving; the message says what to fix.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.max_connections == 0 {
            anyhow::bail!("server.max_connections must be at least 1");
        }
        match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) | (None, Some(_)) => {
                anyhow::bail!("server.tls_cert and server.tls_key must be given together")
            }
            (None, None) if self.tls_required => {
                anyhow::bail!("server.tls_required is set but no tls_cert/tls_key is configured")
            }
            _ => {}
        }
        if self.users.is_empty() && !self.allow_trust {
            anyhow::bail!(
                "no users are configured: add [[server.users]] entries (see `aisle passwd`), \
                 use --demo, or set server.allow_trust = true for a local experiment"
            );
        }
        let mut seen = std::collections::HashSet::new();
        for u in &self.users {
            if u.name.is_empty() {
                anyhow::bail!("a server.users entry has an empty name");
            }
            if !seen.insert(u.name.as_str()) {
                anyhow::bail!("user `{}` is configured twice", u.name);
            }
            scram::Verifier::parse(&u.scram_verifier).map_err(|e| {
                anyhow::anyhow!(
                    "user `{}`: invalid scram_verifier ({e}); generate one with `aisle passwd`",
                    u.name
                )
            })?;
        }
        Ok(())
    }
}

/// A PostgreSQL-format SCRAM-SHA-256 verifier for `password` with a fresh random salt and
/// 4096 iterations (PostgreSQL's default). Used by `aisle passwd`.
pub fn scram_verifier(password: &str) -> String {
    let salt: [u8; 16] = rand::random();
    scram::Verifier::from_password(password, &salt, scram::DEFAULT_ITERATIONS).to_string()
}

/// The demo roles, in order; each demo user is named after its role.
pub const DEMO_USERS: &[&str] = &["admin", "planner", "approver", "analyst", "auditor"];

/// Demo users (`admin`, `planner`, `approver`, `analyst`, `auditor`), each with the role of its
/// name. With `password = None` every user's password is `<name>-demo` (documented in README);
/// otherwise (e.g. from `AISLE_DEMO_PASSWORD`) every user gets `password`.
/// Returns the user entries and the (user, password) pairs to print.
pub fn demo_users(password: Option<&str>) -> (Vec<UserEntry>, Vec<(String, String)>) {
    let mut users = Vec::new();
    let mut creds = Vec::new();
    for name in DEMO_USERS {
        let pw = match password {
            Some(p) => p.to_string(),
            None => format!("{name}-demo"),
        };
        users.push(UserEntry {
            name: (*name).to_string(),
            scram_verifier: scram_verifier(&pw),
            roles: vec![(*name).to_string()],
        });
        creds.push(((*name).to_string(), pw));
    }
    (users, creds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_users_have_valid_verifiers() {
        let (users, creds) = demo_users(None);
        assert_eq!(users.len(), 5);
        assert_eq!(creds[0], ("admin".to_string(), "admin-demo".to_string()));
        let cfg = ServerConfig {
            users,
            ..Default::default()
        };
        cfg.validate().unwrap();
    }

    #[test]
    fn config_parses_from_toml() {
        let v = scram_verifier("pw");
        let text = format!(
            "listen = \"127.0.0.1:6000\"\nmax_connections = 5\n[[users]]\nname = \"a\"\nscram_verifier = \"{v}\"\nroles = [\"admin\"]\n"
        );
        let cfg: ServerConfig = toml::from_str(&text).unwrap();
        assert_eq!(cfg.max_connections, 5);
        assert_eq!(cfg.users[0].roles, vec!["admin"]);
        cfg.validate().unwrap();
        assert!(toml::from_str::<ServerConfig>("bogus = 1").is_err());
    }

    #[test]
    fn validate_rejects_half_tls_and_no_users() {
        let cfg = ServerConfig::default();
        assert!(cfg.validate().is_err());
        let cfg = ServerConfig {
            allow_trust: true,
            tls_cert: Some("x".into()),
            ..Default::default()
        };
        assert!(cfg.validate().is_err());
    }
}
