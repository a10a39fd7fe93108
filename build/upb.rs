//! libpg_query hands every parse tree over as protobuf, encoded by its copy of upb, and
//! that encoder visits every field of a message's table to find the ones that are set.
//! pg_query's `Node` is one `oneof` of 271 message types, so each node of each tree cost
//! 271 tests: 47 % of a bare parse's instructions (README, "Performance"). This builds
//! the same upb source (pg_query's own copy, from cargo's registry) with one change: a
//! `Node` encodes the one case that is set. Linked whole ahead of libpg_query, its
//! definitions are the ones used and libpg_query's upb object is never pulled in. Where
//! the source cannot be found or the change does not apply (another pg_query version, a
//! vendored registry), nothing is built and the stock encoder runs, only slower.

use std::path::{Path, PathBuf};

/// Where upb's `encode_message` starts testing fields one by one.
const FIELD_LOOP: &str = "  if (upb_MiniTable_FieldCount(m)) {
    const upb_MiniTableField* f =
        &m->UPB_PRIVATE(fields)[m->UPB_PRIVATE(field_count)];";

/// Put before [`FIELD_LOOP`]: unknown fields and extensions (a `Node` has neither) are
/// written above it as before.
const NODE_CASE: &str = "  if (m == &pg_0query__Node_msg_init) {
    /* locksmith: a Node is one oneof; encode the case that is set. */
    uint32_t number =
        UPB_PRIVATE(_upb_Message_GetOneofCase)(msg, &m->UPB_PRIVATE(fields)[0]);
    const upb_MiniTableField* set =
        number ? upb_MiniTable_FindFieldByNumber(m, number) : NULL;
    if (set) ptr = encode_field(ptr, e, msg, set);
    *size = upb_BackAlloc_Size(&e->alloc, ptr) - pre_len;
    return ptr;
  }
";

const ENCODE_MESSAGE: &str =
    "char* encode_message(char* ptr, upb_encstate* e, const upb_Message* msg,";

/// `LOCKSMITH_STOCK_UPB=1` builds without the change, to compare (tests/protobuf_encoding.rs
/// passes either way).
pub fn patched_encoder(libpg_query: Option<&Path>) {
    println!("cargo:rerun-if-changed=build/upb.rs");
    println!("cargo:rerun-if-env-changed=LOCKSMITH_STOCK_UPB");
    println!("cargo:rustc-check-cfg=cfg(upb_node_case)");
    if std::env::var_os("LOCKSMITH_STOCK_UPB").is_some() {
        return;
    }
    let Some(vendor) = libpg_query
        .map(|root| root.join("vendor"))
        .filter(|v| v.join("upb/upb.c").is_file())
    else {
        println!(
            "cargo:warning=pg_query's upb source was not found: the stock protobuf encoder is used (slower)"
        );
        return;
    };
    let upb_c = vendor.join("upb/upb.c");
    println!("cargo:rerun-if-changed={}", upb_c.display());
    let source = std::fs::read_to_string(&upb_c).unwrap_or_default();
    if source.matches(FIELD_LOOP).count() != 1 || source.matches(ENCODE_MESSAGE).count() != 1 {
        println!(
            "cargo:warning=pg_query's upb source is not the one build/upb.rs changes: the stock protobuf encoder is used (slower)"
        );
        return;
    }
    let patched = source
        .replace(
            ENCODE_MESSAGE,
            &format!("extern const upb_MiniTable pg_0query__Node_msg_init;\n{ENCODE_MESSAGE}"),
        )
        .replace(FIELD_LOOP, &format!("{NODE_CASE}{FIELD_LOOP}"));
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let file = out.join("upb_node_case.c");
    std::fs::write(&file, patched).unwrap();
    let mut build = cc::Build::new();
    build
        .file(&file)
        .include(vendor.join("upb"))
        .include(vendor.join("upb/third_party/utf8_range"))
        .warnings(false)
        .cargo_metadata(false);
    // What pg_query's build script gives upb.
    if !std::env::var("TARGET").unwrap().contains("msvc") {
        build.flag("-fno-strict-aliasing").flag("-fwrapv");
    }
    build.compile("locksmith_upb");
    // Whole, so that every upb symbol is defined before libpg_query's archive is searched;
    // not bundled into the rlib, which rustc refuses for whole archives.
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static:+whole-archive,-bundle=locksmith_upb");
    println!("cargo:rustc-cfg=upb_node_case");
}
