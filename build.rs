//! Embeds every `sql/views/*.sql` into the binary (see `views::ViewSource::BuiltIn`).
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=sql/views");
    let mut files: Vec<_> = std::fs::read_dir("sql/views")
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|x| x == "sql"));
    files.sort();
    let mut out = String::from("&[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let abs = std::fs::canonicalize(f).expect("view file path");
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .expect("utf-8 file name");
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            abs.display().to_string()
        ));
    }
    out.push(']');
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("built_in_views.rs");
    std::fs::write(dest, out).expect("write built_in_views.rs");
}
