//! Configuration: a TOML file, then environment variables, then flags — flags win.
//!
//! ```toml
//! [engine]
//! catalogs = ["catalog/demo.toml"]   # files or folders of *.toml
//! data_dir = "./aisle-data"          # where the demo data lives / relative locations resolve
//! views_dir = "sql/views"            # recommendation views; omitted: the built-in views
//! memory_limit = "8GiB"              # default: half of physical memory
//! target_partitions = 2              # default: number of cores
//! spill_dir = "/var/tmp/aisle"       # default: the OS temporary folder
//!
//! [server]                           # see src/server/config.rs
//! listen = "127.0.0.1:5433"
//! ```
//! Environment: `AISLE_CONFIG`, `AISLE_DATA_DIR`, `AISLE_CATALOG`, `AISLE_VIEWS_DIR`,
//! `AISLE_MEMORY_LIMIT`, `AISLE_TARGET_PARTITIONS` (read by the CLI flags of the same meaning).
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use serde::Deserialize;

/// The whole configuration file.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub engine: EngineSection,
    /// Parsed by the server itself (`server::ServerConfig`), so the engine does not depend on it.
    #[serde(default)]
    pub server: Option<toml::Table>,
    /// Parsed by governance (roles, grants, audit).
    #[serde(default)]
    pub governance: Option<toml::Table>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct EngineSection {
    pub catalogs: Option<Vec<PathBuf>>,
    pub data_dir: Option<PathBuf>,
    pub views_dir: Option<PathBuf>,
    pub memory_limit: Option<ByteSize>,
    pub target_partitions: Option<usize>,
    pub spill_dir: Option<PathBuf>,
}

/// A size in bytes written as a number or as text with a unit: `"512MiB"`, `"8GiB"`, `"2G"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub usize);

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => Ok(ByteSize(n as usize)),
            Raw::S(s) => parse_byte_size(&s)
                .map(ByteSize)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// Parse `"512MiB"`, `"8GiB"`, `"2G"`, `"1048576"`.
pub fn parse_byte_size(s: &str) -> anyhow::Result<usize> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| {
        anyhow!("invalid size `{s}`: expected a number with an optional unit like 512MiB or 8GiB")
    })?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024f64.powi(4),
        other => bail!("invalid size `{s}`: unknown unit `{other}` (use KiB, MiB, GiB or TiB)"),
    };
    if n <= 0.0 || !n.is_finite() {
        bail!("invalid size `{s}`: must be positive");
    }
    Ok((n * mult) as usize)
}

/// Read a configuration file; a missing file named explicitly is an error, never a silent default.
pub fn read_config(path: &Path) -> anyhow::Result<ConfigFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    let mut cfg: ConfigFile = toml::from_str(&text)
        .map_err(|e| anyhow!("{}: invalid configuration: {e}", path.display()))?;
    // Relative paths in a config file are relative to the file, like every other tool does it.
    let dir = path.parent().unwrap_or(Path::new("."));
    let fix = |p: &mut PathBuf| {
        if p.is_relative() {
            *p = dir.join(&*p);
        }
    };
    if let Some(c) = cfg.engine.catalogs.as_mut() {
        c.iter_mut().for_each(fix);
    }
    for p in [
        &mut cfg.engine.data_dir,
        &mut cfg.engine.views_dir,
        &mut cfg.engine.spill_dir,
    ]
    .into_iter()
    .flatten()
    {
        fix(p);
    }
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes() {
        assert_eq!(parse_byte_size("512MiB").unwrap(), 512 << 20);
        assert_eq!(parse_byte_size("2g").unwrap(), 2 << 30);
        assert_eq!(parse_byte_size("1024").unwrap(), 1024);
        assert!(parse_byte_size("-1G").is_err());
        assert!(parse_byte_size("3 parsecs").is_err());
    }
}
