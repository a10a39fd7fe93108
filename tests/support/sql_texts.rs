//! The SQL texts that tests of the parser compare its paths on.

use std::path::{Path, PathBuf};

fn sql_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            sql_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "sql") {
            out.push(path);
        }
    }
}

/// Each `.sql` file under `dir` that is UTF-8, by name, in name order.
pub fn sql_texts_under(dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    sql_files(dir, &mut files);
    files.sort();
    let named = |path: PathBuf| {
        Some((
            path.display().to_string(),
            std::fs::read_to_string(&path).ok()?,
        ))
    };
    files.into_iter().filter_map(named).collect()
}

/// The `.sql` fixtures and examples, and the SQL blocks of the rule documents.
pub fn sql_texts() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut texts = sql_texts_under(&root.join("tests/fixtures"));
    texts.extend(sql_texts_under(&root.join("examples")));
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("rules"))
        .unwrap()
        .filter_map(|entry| Some(entry.ok()?.path()))
        .collect();
    docs.sort();
    for path in docs {
        let doc = std::fs::read_to_string(&path).unwrap();
        for (i, block) in doc.split("```sql\n").skip(1).enumerate() {
            let sql = block.split("```").next().unwrap_or_default();
            texts.push((format!("{} block {i}", path.display()), sql.to_string()));
        }
    }
    texts
}
