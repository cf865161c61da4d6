//! Per-session settings: what `SET`, `SHOW`, `RESET` and `current_setting()` see.
//!
//! Every connection has its own copy; nothing a session sets is visible to another.
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use pgwire::types::format::FormatOptions;

use super::pgcompat::{SERVER_VERSION, SERVER_VERSION_NUM};
use super::sqlstate::{self, PgError};

/// How a parameter behaves.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// Settable by the session.
    User,
    /// Shown but not settable.
    ReadOnly,
}

/// (canonical name, default, kind, reported to the client in ParameterStatus)
const PARAMS: &[(&str, &str, Kind, bool)] = &[
    ("application_name", "", Kind::User, true),
    ("client_encoding", "UTF8", Kind::User, true),
    ("DateStyle", "ISO, MDY", Kind::User, true),
    ("IntervalStyle", "postgres", Kind::User, true),
    ("TimeZone", "UTC", Kind::User, true),
    ("integer_datetimes", "on", Kind::ReadOnly, true),
    ("standard_conforming_strings", "on", Kind::User, true),
    ("server_version", SERVER_VERSION, Kind::ReadOnly, true),
    ("server_encoding", "UTF8", Kind::ReadOnly, true),
    ("is_superuser", "off", Kind::ReadOnly, true),
    ("session_authorization", "", Kind::ReadOnly, true),
    ("default_transaction_read_only", "off", Kind::User, true),
    ("in_hot_standby", "off", Kind::ReadOnly, true),
    (
        "server_version_num",
        SERVER_VERSION_NUM,
        Kind::ReadOnly,
        false,
    ),
    ("extra_float_digits", "1", Kind::User, false),
    ("statement_timeout", "0", Kind::User, false),
    ("search_path", "\"$user\", public", Kind::User, false),
    ("transaction_isolation", "read committed", Kind::User, false),
    (
        "default_transaction_isolation",
        "read committed",
        Kind::User,
        false,
    ),
    ("transaction_read_only", "off", Kind::User, false),
    ("default_transaction_deferrable", "off", Kind::User, false),
    ("max_identifier_length", "63", Kind::ReadOnly, false),
    ("max_index_keys", "32", Kind::ReadOnly, false),
    ("block_size", "8192", Kind::ReadOnly, false),
    ("lc_collate", "C", Kind::ReadOnly, false),
    ("lc_ctype", "C", Kind::ReadOnly, false),
    ("lc_messages", "C", Kind::User, false),
    ("lc_monetary", "C", Kind::User, false),
    ("lc_numeric", "C", Kind::User, false),
    ("lc_time", "C", Kind::User, false),
    ("bytea_output", "hex", Kind::User, false),
    ("client_min_messages", "notice", Kind::User, false),
    (
        "idle_in_transaction_session_timeout",
        "0",
        Kind::User,
        false,
    ),
    ("idle_session_timeout", "0", Kind::User, false),
    ("lock_timeout", "0", Kind::User, false),
    ("escape_string_warning", "on", Kind::User, false),
    ("synchronous_commit", "on", Kind::User, false),
    ("row_security", "on", Kind::User, false),
    ("jit", "off", Kind::User, false),
    ("work_mem", "4MB", Kind::User, false),
    ("max_parallel_workers_per_gather", "2", Kind::User, false),
    ("join_collapse_limit", "8", Kind::User, false),
    ("geqo", "on", Kind::User, false),
    (
        "password_encryption",
        "scram-sha-256",
        Kind::ReadOnly,
        false,
    ),
    ("ssl", "off", Kind::ReadOnly, false),
    ("max_connections", "100", Kind::ReadOnly, false),
    ("TimeZone_abbreviations", "Default", Kind::User, false),
    ("cursor_tuple_fraction", "0.1", Kind::User, false),
    ("enable_seqscan", "on", Kind::User, false),
    ("xmloption", "content", Kind::User, false),
];

fn lookup(name: &str) -> Option<&'static (&'static str, &'static str, Kind, bool)> {
    let name = match name.to_ascii_lowercase().as_str() {
        "time zone" | "time_zone" => "timezone".to_string(),
        "transaction isolation level" => "transaction_isolation".to_string(),
        "session authorization" => "session_authorization".to_string(),
        "names" => "client_encoding".to_string(),
        other => other.to_string(),
    };
    PARAMS.iter().find(|p| p.0.eq_ignore_ascii_case(&name))
}

/// One session's settings.
#[derive(Clone, Debug)]
pub struct Settings {
    /// lowercase name -> (display name, value)
    values: BTreeMap<String, (String, String)>,
    /// values RESET returns to (defaults plus what the client sent at startup)
    session_defaults: BTreeMap<String, (String, String)>,
}

/// A change the client must be told about (ParameterStatus).
pub type Reported = Vec<(String, String)>;

impl Settings {
    pub fn new(user: &str, superuser: bool, tls: bool, max_connections: usize) -> Settings {
        let mut values = BTreeMap::new();
        for (name, default, _, _) in PARAMS {
            values.insert(
                name.to_ascii_lowercase(),
                (name.to_string(), default.to_string()),
            );
        }
        let mut s = Settings {
            values,
            session_defaults: BTreeMap::new(),
        };
        s.force("session_authorization", user);
        s.force("is_superuser", if superuser { "on" } else { "off" });
        s.force("ssl", if tls { "on" } else { "off" });
        s.force("max_connections", &max_connections.to_string());
        s.session_defaults = s.values.clone();
        s
    }

    fn force(&mut self, name: &str, value: &str) {
        let key = name.to_ascii_lowercase();
        let display = self
            .values
            .get(&key)
            .map(|v| v.0.clone())
            .unwrap_or_else(|| name.to_string());
        self.values.insert(key, (display, value.to_string()));
    }

    /// Apply the parameters sent in the startup message (and `options=-c name=value`); unknown or
    /// invalid ones are ignored like PostgreSQL ignores... no: PostgreSQL rejects them, but
    /// clients send harmless extras, so we skip what we do not know.
    pub fn apply_startup(&mut self, params: &BTreeMap<String, String>) {
        for (k, v) in params {
            match k.as_str() {
                "user" | "database" | "replication" => {}
                "options" => {
                    for (name, value) in parse_options(v) {
                        let _ = self.set(&name, &value);
                    }
                }
                _ => {
                    let _ = self.set(k, v);
                }
            }
        }
        self.session_defaults = self.values.clone();
    }

    /// Value of a parameter by any spelling of its name.
    pub fn get(&self, name: &str) -> Option<String> {
        let key = match lookup(name) {
            Some(p) => p.0.to_ascii_lowercase(),
            None => name.to_ascii_lowercase(),
        };
        self.values.get(&key).map(|v| v.1.clone())
    }

    /// Display name of a known parameter.
    pub fn display_name(&self, name: &str) -> String {
        match lookup(name) {
            Some(p) => p.0.to_string(),
            None => name.to_string(),
        }
    }

    /// Set a parameter; returns the reported parameters that changed.
    pub fn set(&mut self, name: &str, value: &str) -> Result<Reported, PgError> {
        let Some(&(canonical, _, kind, report)) = lookup(name) else {
            if name.contains('.') {
                // Custom placeholder parameters (`myapp.x`) are accepted like PostgreSQL does.
                self.values.insert(
                    name.to_ascii_lowercase(),
                    (name.to_string(), value.to_string()),
                );
                return Ok(vec![]);
            }
            return Err(PgError::new(
                sqlstate::UNDEFINED_OBJECT,
                format!("unrecognized configuration parameter \"{name}\""),
            ));
        };
        if kind == Kind::ReadOnly {
            return Err(PgError::new(
                "55P02",
                format!("parameter \"{canonical}\" cannot be changed"),
            ));
        }
        let value = normalize(canonical, value)?;
        let key = canonical.to_ascii_lowercase();
        let changed = self.values.get(&key).map(|v| v.1 != value).unwrap_or(true);
        self.values
            .insert(key, (canonical.to_string(), value.clone()));
        Ok(if report && changed {
            vec![(canonical.to_string(), value)]
        } else {
            vec![]
        })
    }

    /// RESET one parameter.
    pub fn reset(&mut self, name: &str) -> Result<Reported, PgError> {
        let key = match lookup(name) {
            Some(p) => p.0.to_ascii_lowercase(),
            None if name.contains('.') => {
                self.values.remove(&name.to_ascii_lowercase());
                return Ok(vec![]);
            }
            None => {
                return Err(PgError::new(
                    sqlstate::UNDEFINED_OBJECT,
                    format!("unrecognized configuration parameter \"{name}\""),
                ));
            }
        };
        let Some(def) = self.session_defaults.get(&key).cloned() else {
            return Ok(vec![]);
        };
        let changed = self.values.get(&key) != Some(&def);
        self.values.insert(key.clone(), def.clone());
        let report = lookup(&key).map(|p| p.3).unwrap_or(false);
        Ok(if report && changed { vec![def] } else { vec![] })
    }

    /// RESET ALL.
    pub fn reset_all(&mut self) -> Reported {
        let mut reported = vec![];
        for (key, def) in self.session_defaults.clone() {
            let report = lookup(&key).map(|p| p.3).unwrap_or(false);
            if report && self.values.get(&key) != Some(&def) {
                reported.push(def.clone());
            }
        }
        self.values = self.session_defaults.clone();
        reported
    }

    /// Everything, for SHOW ALL: (name, value, description).
    pub fn all(&self) -> Vec<(String, String)> {
        self.values.values().cloned().collect()
    }

    /// Parameters reported at startup.
    pub fn reported(&self) -> Vec<(String, String)> {
        PARAMS
            .iter()
            .filter(|p| p.3)
            .filter_map(|p| self.values.get(&p.0.to_ascii_lowercase()).cloned())
            .collect()
    }

    pub fn statement_timeout(&self) -> Option<Duration> {
        let ms = parse_duration_ms(&self.get("statement_timeout").unwrap_or_default()).unwrap_or(0);
        (ms > 0).then(|| Duration::from_millis(ms))
    }

    /// Text output options for result encoding.
    pub fn format_options(&self) -> Arc<FormatOptions> {
        let mut f = FormatOptions::default();
        if let Some(v) = self.get("DateStyle") {
            f.date_style = v;
        }
        if let Some(v) = self.get("IntervalStyle") {
            f.interval_style = v;
        }
        if let Some(v) = self.get("bytea_output") {
            f.bytea_output = v;
        }
        if let Some(v) = self.get("TimeZone") {
            f.time_zone = v;
        }
        if let Some(v) = self
            .get("extra_float_digits")
            .and_then(|v| v.parse::<i8>().ok())
        {
            f.extra_float_digits = v;
        }
        Arc::new(f)
    }
}

/// `-c name=value -c other=value` / `--name=value` from the startup `options` parameter.
fn parse_options(s: &str) -> Vec<(String, String)> {
    let mut out = vec![];
    let mut words = s.split_whitespace().peekable();
    while let Some(w) = words.next() {
        let kv = if w == "-c" {
            words.next().map(str::to_string)
        } else if let Some(rest) = w.strip_prefix("-c") {
            Some(rest.to_string())
        } else {
            w.strip_prefix("--").map(str::to_string)
        };
        if let Some((k, v)) = kv.as_deref().and_then(|kv| kv.split_once('=')) {
            out.push((k.replace('-', "_"), v.to_string()));
        }
    }
    out
}

/// `5000`, `5s`, `100ms`, `2min`, `1h` -> milliseconds.
pub fn parse_duration_ms(v: &str) -> Option<u64> {
    let v = v.trim().trim_matches('\'');
    let split = v
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(v.len());
    let (num, unit) = v.split_at(split);
    let num: f64 = num.parse().ok()?;
    if num < 0.0 {
        return None;
    }
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "ms" => 1.0,
        "us" => 0.001,
        "s" => 1000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return None,
    };
    Some((num * factor).round() as u64)
}

fn invalid(name: &str, value: &str) -> PgError {
    PgError::new(
        sqlstate::INVALID_PARAMETER_VALUE,
        format!("invalid value for parameter \"{name}\": \"{value}\""),
    )
}

fn normalize(name: &str, value: &str) -> Result<String, PgError> {
    let v = value.trim();
    match name {
        "statement_timeout"
        | "lock_timeout"
        | "idle_in_transaction_session_timeout"
        | "idle_session_timeout" => {
            let ms = parse_duration_ms(v).ok_or_else(|| invalid(name, v))?;
            Ok(ms.to_string())
        }
        "extra_float_digits" => {
            let n: i32 = v.parse().map_err(|_| invalid(name, v))?;
            if !(-15..=3).contains(&n) {
                return Err(invalid(name, v).with_hint("Use a value between -15 and 3."));
            }
            Ok(n.to_string())
        }
        "client_encoding" => {
            let up = v.to_ascii_uppercase().replace(['-', '_'], "");
            if up == "UTF8" || up == "UNICODE" {
                Ok("UTF8".into())
            } else {
                Err(PgError::new(
                    sqlstate::FEATURE_NOT_SUPPORTED,
                    format!("conversion between {v} and UTF8 is not supported"),
                )
                .with_hint("aisle speaks UTF8 only."))
            }
        }
        "DateStyle" => {
            let mut style = "ISO";
            let mut order = "MDY";
            for part in v.split(',').map(|p| p.trim().to_ascii_uppercase()) {
                match part.as_str() {
                    "ISO" => style = "ISO",
                    "POSTGRES" => style = "Postgres",
                    "SQL" => style = "SQL",
                    "GERMAN" => style = "German",
                    "MDY" | "US" | "NONEURO" | "NONEUROPEAN" => order = "MDY",
                    "DMY" | "EURO" | "EUROPEAN" => order = "DMY",
                    "YMD" => order = "YMD",
                    "DEFAULT" => {}
                    _ => return Err(invalid(name, v)),
                }
            }
            Ok(format!("{style}, {order}"))
        }
        "IntervalStyle" => match v.to_ascii_lowercase().as_str() {
            s @ ("postgres" | "postgres_verbose" | "sql_standard" | "iso_8601") => {
                Ok(s.to_string())
            }
            _ => Err(invalid(name, v)),
        },
        "standard_conforming_strings" => match v.to_ascii_lowercase().as_str() {
            "on" | "true" | "1" | "yes" => Ok("on".into()),
            _ => Err(PgError::new(
                sqlstate::FEATURE_NOT_SUPPORTED,
                "standard_conforming_strings can only be on",
            )),
        },
        "TimeZone" => {
            if v.eq_ignore_ascii_case("local") || v.eq_ignore_ascii_case("default") {
                Ok("UTC".into())
            } else if v.is_empty() {
                Err(invalid(name, v))
            } else {
                Ok(v.to_string())
            }
        }
        "bytea_output" => match v.to_ascii_lowercase().as_str() {
            "hex" => Ok("hex".into()),
            "escape" => Ok("escape".into()),
            _ => Err(invalid(name, v)),
        },
        _ => Ok(v.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_show_reset() {
        let mut s = Settings::new("alice", false, false, 10);
        assert_eq!(s.get("datestyle").unwrap(), "ISO, MDY");
        assert_eq!(
            s.set("application_name", "x").unwrap(),
            vec![("application_name".into(), "x".into())]
        );
        assert!(s.set("extra_float_digits", "3").unwrap().is_empty());
        assert!(s.set("extra_float_digits", "9").is_err());
        assert_eq!(s.set("statement_timeout", "5s").unwrap(), vec![]);
        assert_eq!(s.statement_timeout(), Some(Duration::from_secs(5)));
        assert!(s.set("nonsense", "1").is_err());
        assert!(s.set("server_version", "1").is_err());
        assert!(s.set("client_encoding", "LATIN1").is_err());
        assert!(s.set("myapp.flag", "1").is_ok());
        s.reset_all();
        assert_eq!(s.get("statement_timeout").unwrap(), "0");
        assert_eq!(s.get("session_authorization").unwrap(), "alice");
    }

    #[test]
    fn startup_parameters_become_defaults() {
        let mut s = Settings::new("bob", false, false, 10);
        let mut p = BTreeMap::new();
        p.insert("application_name".to_string(), "psql".to_string());
        p.insert(
            "options".to_string(),
            "-c statement_timeout=100 --search_path=x".to_string(),
        );
        s.apply_startup(&p);
        assert_eq!(s.get("statement_timeout").unwrap(), "100");
        s.set("application_name", "other").unwrap();
        s.reset_all();
        assert_eq!(s.get("application_name").unwrap(), "psql");
        assert_eq!(s.get("search_path").unwrap(), "x");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("100"), Some(100));
        assert_eq!(parse_duration_ms("2min"), Some(120_000));
        assert_eq!(parse_duration_ms("1.5s"), Some(1500));
        assert_eq!(parse_duration_ms("x"), None);
    }
}
