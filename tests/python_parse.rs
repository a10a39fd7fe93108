//! The Python front-end parses with ruff's parser and converts its tree to rustpython's
//! (`src/python/parse.rs`), falling back to rustpython-parser for what the conversion does
//! not carry over. The conversion must give exactly rustpython's tree: every Python file
//! of the tests (revisions, env.py, project modules, the fuzzers' regression inputs) is
//! parsed both ways and the trees compared, ranges included.

use std::path::Path;

use locksmith::python::parse::parse_with_ruff;

fn python_files(root: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        let path = entry.path();
        let fuzz_input = path.components().any(|c| c.as_os_str() == "alembic")
            && path.components().any(|c| c.as_os_str() == "fuzz");
        if entry.file_type().is_file()
            && (path.extension().is_some_and(|e| e == "py") || fuzz_input)
        {
            out.push(path.to_path_buf());
        }
    }
}

/// The tree rustpython-parser gives, as the converted tree must print it.
fn rustpython_tree(source: &str) -> Option<String> {
    match rustpython_parser::parse(source, rustpython_parser::Mode::Module, "<module>") {
        Ok(rustpython_parser::ast::Mod::Module(module)) => Some(format!("{module:#?}")),
        _ => None,
    }
}

/// Each statement rustpython has two types for (`def`/`async def`, `for`, `with`,
/// `try`/`try ... except*`), both forms: the fixtures have few of the second.
#[test]
fn plain_and_async_forms_convert_alike() {
    let source = "\
@decorate
async def upgrade(op, *args, **kwargs) -> None:
    async for row in rows:
        pass
    else:
        pass
    async with lock() as held, other():
        await op.execute(\"SELECT 1\")

def downgrade():
    for row in rows:
        pass
    with lock() as held:
        pass
    try:
        pass
    except* ValueError as e:
        pass
    try:
        pass
    except ValueError:
        pass
    else:
        pass
    finally:
        pass
";
    let ours = parse_with_ruff(source).expect("converted");
    assert_eq!(Some(format!("{ours:#?}")), rustpython_tree(source));
}

#[test]
fn ruffs_tree_converted_is_rustpythons_tree() {
    let mut files = Vec::new();
    python_files(Path::new("tests"), &mut files);
    python_files(Path::new("examples"), &mut files);
    let (mut compared, mut converted) = (0, 0);
    let mut differ = Vec::new();
    for path in &files {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let Ok(source) = String::from_utf8(bytes) else {
            continue;
        };
        let expected = rustpython_tree(&source);
        let Some(ours) = parse_with_ruff(&source) else {
            continue;
        };
        converted += 1;
        // Converted: rustpython must parse it too, to the same tree.
        match expected {
            Some(expected) if expected == format!("{ours:#?}") => compared += 1,
            _ => differ.push(path.display().to_string()),
        }
    }
    assert!(
        differ.is_empty(),
        "trees differ for {} files: {differ:#?}",
        differ.len()
    );
    // The fast path is the common one.
    assert!(files.len() > 100, "{} files", files.len());
    assert!(
        converted * 10 >= files.len() * 8,
        "{converted} of {} converted",
        files.len()
    );
    assert_eq!(compared, converted);
}

/// By hand, on any tree of Python files (the standard library is a good one):
/// `PYTHON_DIR=/usr/lib/python3.11 cargo test --release --test python_parse -- --ignored`.
#[test]
#[ignore]
fn compare_a_directory() {
    let Ok(dir) = std::env::var("PYTHON_DIR") else {
        return;
    };
    let mut files = Vec::new();
    python_files(Path::new(&dir), &mut files);
    let (mut same, mut fallback, mut neither) = (0, 0, 0);
    for path in &files {
        let Ok(source) = std::fs::read_to_string(path) else {
            continue;
        };
        let expected = rustpython_tree(&source);
        match (parse_with_ruff(&source), expected) {
            (Some(ours), Some(expected)) if format!("{ours:#?}") == expected => same += 1,
            (Some(_), _) => println!("differs: {}", path.display()),
            (None, Some(_)) => fallback += 1,
            (None, None) => neither += 1,
        }
    }
    println!(
        "{} files: {same} the same, {fallback} parsed by rustpython only, {neither} by neither",
        files.len()
    );
}
