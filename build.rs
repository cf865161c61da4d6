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
        // The text itself, not include_str!(absolute path): the target directory is shared by
        // clones at other paths (CI), and an absolute path would point into a clone that is gone.
        let text = std::fs::read_to_string(f).expect("read view file");
        let name = f
            .file_name()
            .and_then(|n| n.to_str())
            .expect("utf-8 file name");
        out.push_str(&format!("    ({name:?}, {text:?}),\n"));
    }
    out.push(']');
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("built_in_views.rs");
    std::fs::write(dest, out).expect("write built_in_views.rs");
}
