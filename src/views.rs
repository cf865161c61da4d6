//! Recommendation views: every `sql/views/*.sql` file is one `CREATE VIEW name AS ...` statement.
//!
//! Files are loaded in dependency order without a dependency parser: each round creates every
//! view whose inputs exist; a view that fails because another pending view is missing waits for
//! the next round. When a round makes no progress the remaining views are broken, and start-up
//! fails naming each file and its error. The leading `--` comment block of a file is the view's
//! description (shown as its comment to BI tools).
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use datafusion::prelude::SessionContext;

/// A loaded view: name, description and source file.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewMeta {
    pub name: String,
    pub description: String,
    pub source: PathBuf,
    pub sql: String,
}

/// Where views come from.
#[derive(Debug, Clone, Default)]
pub enum ViewSource {
    /// No views (plain catalogs without recommendation views).
    #[default]
    None,
    /// The views compiled into the binary from `sql/views/` (so the binary works from any folder).
    BuiltIn,
    /// A folder of `*.sql` files, read at start-up (for operators who edit views).
    Dir(PathBuf),
}

/// `(file name, text)` of every `sql/views/*.sql`, embedded by build.rs.
const BUILT_IN_VIEWS: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/built_in_views.rs"));

impl ViewSource {
    /// The views to create, sorted by file name.
    pub fn read(&self) -> anyhow::Result<Vec<ViewMeta>> {
        match self {
            ViewSource::None => Ok(Vec::new()),
            ViewSource::BuiltIn => BUILT_IN_VIEWS
                .iter()
                .map(|(name, text)| parse_view(Path::new(&format!("sql/views/{name}")), text))
                .collect(),
            ViewSource::Dir(dir) => read_view_files(dir),
        }
    }
}

/// Read every `*.sql` file of `dir` (sorted by name) without creating anything.
pub fn read_view_files(dir: &Path) -> anyhow::Result<Vec<ViewMeta>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read views folder {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    files.iter().map(|f| read_view_file(f)).collect()
}

fn read_view_file(path: &Path) -> anyhow::Result<ViewMeta> {
    let sql = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read view file {}", path.display()))?;
    parse_view(path, &sql)
}

fn parse_view(path: &Path, sql: &str) -> anyhow::Result<ViewMeta> {
    let description = sql
        .lines()
        .take_while(|l| l.trim_start().starts_with("--"))
        .map(|l| l.trim_start().trim_start_matches('-').trim())
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_string();
    let name = view_name(sql).with_context(|| {
        format!(
            "{}: a view file must hold one `CREATE VIEW name AS ...` statement",
            path.display()
        )
    })?;
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if stem != name {
        bail!(
            "{}: the file creates view `{name}` but is named `{stem}.sql`. Fix: name the file after \
             the view so operators can find it.",
            path.display()
        );
    }
    Ok(ViewMeta {
        name,
        description,
        source: path.to_path_buf(),
        sql: sql.to_string(),
    })
}

/// The view name of a `CREATE [OR REPLACE] VIEW name AS` statement (comments skipped).
fn view_name(sql: &str) -> Option<String> {
    let body: String = sql
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut words = body.split_whitespace();
    if !words.next()?.eq_ignore_ascii_case("create") {
        return None;
    }
    let mut w = words.next()?;
    if w.eq_ignore_ascii_case("or") {
        words.next()?; // REPLACE
        w = words.next()?;
    }
    if !w.eq_ignore_ascii_case("view") {
        return None;
    }
    Some(words.next()?.trim_matches('"').to_ascii_lowercase())
}

/// Create every view in `views` on `ctx` in dependency order.
pub async fn create_views(ctx: &SessionContext, views: &[ViewMeta]) -> anyhow::Result<()> {
    let mut pending: Vec<&ViewMeta> = views.iter().collect();
    while !pending.is_empty() {
        let mut failed = Vec::new();
        let before = pending.len();
        for v in pending {
            match ctx.sql(&v.sql).await {
                Ok(df) => {
                    df.collect().await.with_context(|| {
                        format!("{}: cannot create view `{}`", v.source.display(), v.name)
                    })?;
                }
                Err(e) => failed.push((v, e)),
            }
        }
        if failed.len() == before {
            let msgs: Vec<String> = failed
                .iter()
                .map(|(v, e)| format!("{}: view `{}`: {e}", v.source.display(), v.name))
                .collect();
            bail!(
                "{} view(s) could not be created:\n{}\nFix: correct the SQL in the file(s) named \
                 above (a view may only read catalog tables and other views).",
                msgs.len(),
                msgs.join("\n")
            );
        }
        pending = failed.into_iter().map(|(v, _)| v).collect();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::view_name;

    #[test]
    fn finds_the_view_name() {
        assert_eq!(
            view_name("-- x\nCREATE VIEW a AS SELECT 1").as_deref(),
            Some("a")
        );
        assert_eq!(
            view_name("create or replace view \"B\" as select 1").as_deref(),
            Some("b")
        );
        assert_eq!(view_name("SELECT 1"), None);
    }
}
