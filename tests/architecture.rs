//! The pipeline stays one-way: `src/lib.rs` declares the top-level modules in pipeline
//! order, and no module's non-test code may name a module declared after it
//! (`crate::later`). The map in lib.rs and the README is then true by construction.

use std::path::Path;

/// Top-level modules in the order lib.rs declares them.
fn declared_order() -> Vec<String> {
    let lib = std::fs::read_to_string("src/lib.rs").expect("src/lib.rs");
    lib.lines()
        .filter_map(|line| line.strip_prefix("pub mod "))
        .map(|rest| rest.trim_end_matches(';').to_string())
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable src dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `crate::name` paths in the code before its first `#[cfg(test)]`.
fn named_modules(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    code.match_indices("crate::")
        .map(|(i, m)| {
            code[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

#[test]
fn no_module_imports_a_later_stage() {
    let order = declared_order();
    assert!(order.len() > 10, "lib.rs declares {order:?}");
    let rank = |name: &str| order.iter().position(|m| m == name);
    let mut violations = Vec::new();
    for module in &order {
        let mut files = Vec::new();
        let dir = Path::new("src").join(module);
        if dir.is_dir() {
            rust_files(&dir, &mut files);
        } else {
            files.push(Path::new("src").join(format!("{module}.rs")));
        }
        for file in files {
            let text = std::fs::read_to_string(&file).expect("readable source");
            for named in named_modules(&text) {
                if rank(&named) > rank(module) {
                    violations.push(format!("{} ({module}) uses crate::{named}", file.display()));
                }
            }
        }
    }
    violations.sort();
    violations.dedup();
    assert!(
        violations.is_empty(),
        "modules must only use stages declared before them in src/lib.rs:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_python_evaluator_depends_on_nothing_in_the_crate() {
    let mut files = Vec::new();
    rust_files(Path::new("src/python"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable source");
        assert!(
            named_modules(&text).is_empty(),
            "{} uses the crate; the evaluator must stay independent",
            file.display()
        );
    }
}
