//! Embeds every rule document under rules/ so `locksmith rule ID` works from any directory,
//! builds libpg_query's protobuf encoder with a fix for pg_query's `Node` ([`upb`]) and
//! generates the conversion of its C parse trees into pg_query's Rust ones ([`direct`]).
use std::fmt::Write;
use std::path::{Path, PathBuf};

#[path = "build/direct.rs"]
mod direct;
#[path = "build/upb.rs"]
mod upb;

fn main() {
    let libpg_query = libpg_query();
    upb::patched_encoder(libpg_query.as_deref());
    direct::generate(libpg_query);
    println!("cargo:rerun-if-changed=rules");
    // Read at run time: `env!` would bake in the directory the build script was compiled
    // in, and a build cache copied from another checkout would embed that checkout's docs.
    let dir = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("rules");
    let mut docs: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "md"))
                .collect()
        })
        .unwrap_or_default();
    docs.sort();
    let mut out = String::from("pub static RULE_DOCS: &[(&str, &str)] = &[\n");
    for path in docs {
        let id = path.file_stem().unwrap().to_string_lossy().to_string();
        writeln!(
            out,
            "    ({id:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
        println!("cargo:rerun-if-changed={}", path.display());
    }
    out.push_str("];\n");
    let target = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("rule_docs.rs");
    std::fs::write(target, out).unwrap();
}

/// The pg_query release whose sources build/upb.rs and build/direct.rs read (Cargo.toml
/// pins it).
const PG_QUERY: &str = "pg_query-18.1.0";

/// `libpg_query` of the pg_query crate in cargo's registry: the sources its build
/// compiles, which build/upb.rs and build/direct.rs read.
fn libpg_query() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))?;
    let registries = std::fs::read_dir(home.join("registry/src")).ok()?;
    registries
        .filter_map(Result::ok)
        .map(|r| r.path().join(PG_QUERY).join("libpg_query"))
        .filter(|root| root.join("src").is_dir())
        .min()
}
