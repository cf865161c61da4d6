//! Each kind of bad catalog stops start-up with a message naming the file, the table and the fix.
mod common;

use std::path::PathBuf;

use aisle::catalog::read_catalog_sources;
use aisle::engine::{Engine, EngineConfig};
use common::demo_dir;

async fn open_catalogs(files: &[(&str, String)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        paths.push(p);
    }
    let sources = match read_catalog_sources(&paths) {
        Ok(s) => s,
        Err(e) => return format!("{e:#}"),
    };
    match Engine::open(EngineConfig {
        catalogs: sources,
        ..Default::default()
    })
    .await
    {
        Ok(_) => panic!("catalog {files:?} was accepted"),
        Err(e) => format!("{e:#}"),
    }
}

fn stores_dir() -> String {
    demo_dir().join("stores").display().to_string()
}

#[tokio::test]
async fn unknown_key() {
    let err = open_catalogs(&[(
        "a.toml",
        format!(
            "[[table]]\nname = \"stores\"\nlocation = \"{}\"\nformt = \"parquet\"\n",
            stores_dir()
        ),
    )])
    .await;
    assert!(err.contains("a.toml") && err.contains("formt"), "{err}");
    assert!(err.contains("Fix"), "{err}");
}

#[tokio::test]
async fn location_without_data() {
    let err = open_catalogs(&[(
        "b.toml",
        "[[table]]\nname = \"ghost\"\nlocation = \"/nonexistent/aisle/ghost\"\n".to_string(),
    )])
    .await;
    assert!(err.contains("b.toml") && err.contains("`ghost`"), "{err}");
    assert!(err.contains("Fix"), "{err}");
}

#[tokio::test]
async fn duplicate_table_across_files() {
    let t = format!(
        "[[table]]\nname = \"stores\"\nlocation = \"{}\"\n",
        stores_dir()
    );
    let err = open_catalogs(&[("c1.toml", t.clone()), ("c2.toml", t)]).await;
    assert!(
        err.contains("declared twice") && err.contains("c1.toml") && err.contains("c2.toml"),
        "{err}"
    );
}

#[tokio::test]
async fn description_of_a_missing_column() {
    let err = open_catalogs(&[(
        "d.toml",
        format!(
            "[[table]]\nname = \"stores\"\nlocation = \"{}\"\n[table.columns]\nnot_a_column = \"x\"\n",
            stores_dir()
        ),
    )])
    .await;
    assert!(
        err.contains("d.toml") && err.contains("not_a_column"),
        "{err}"
    );
}

#[tokio::test]
async fn unreachable_store() {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    let err = open_catalogs(&[(
        "e.toml",
        "[store.lake]\nkind = \"s3\"\nbucket = \"nowhere\"\nendpoint = \"http://127.0.0.1:9\"\n\
         region = \"us-east-1\"\npath_style = true\naccess_key_id = \"x\"\nsecret_access_key = \"y\"\n\
         [[table]]\nname = \"t\"\nlocation = \"s3://nowhere/t/\"\n"
            .to_string(),
    )])
    .await;
    assert!(
        err.contains("e.toml") && err.contains("`t`") && err.contains("reachable"),
        "{err}"
    );
}

#[tokio::test]
async fn missing_catalog_file() {
    let err = read_catalog_sources(&[PathBuf::from("/nonexistent/catalog.toml")])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("/nonexistent/catalog.toml") && err.contains("Fix"),
        "{err}"
    );
}
