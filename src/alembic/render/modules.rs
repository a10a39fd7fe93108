//! The project's own modules that revisions import (`from app.db.utils import
//! create_trigger`, `import app.constants as c`): found as files under the project's
//! module roots, parsed on first use, once per run, and shared by every revision
//! ([`ModuleCache`]), then evaluated statically per revision by the interpreter
//! (`interp/imports.rs`). Only the modules an evaluation reaches are read: a project whose
//! revisions import one constant from a big package parses that constant's module, not the
//! package's whole import graph. Nothing is imported or executed: a module is only parsed,
//! and its module level evaluated with the same evaluator as a revision's. A module outside
//! the roots (a third-party package), a missing file, or one too large or not valid Python
//! stays unknown.

use std::path::PathBuf;

use elsa::sync::FrozenMap;
use rustpython_parser::ast::Stmt;

use crate::python::top_level;

/// How many imports deep a revision's modules are followed (`a` imports `b` imports ...).
pub const MAX_IMPORT_DEPTH: usize = 8;
/// Modules one run reads at most.
const MAX_MODULES: usize = 512;
/// A larger module is left unknown.
const MAX_MODULE_BYTES: usize = 1 << 20;

/// Whether a top-level name is never read from the project: the libraries the renderer
/// models, and the standard library a migration uses (Python finds these before a
/// project's file). A `match`, not a list scanned: asked for every `sa.X` of a revision.
fn never_project(top: &str) -> bool {
    matches!(
        top,
        "alembic"
            | "sqlalchemy"
            | "builtins"
            | "enum"
            | "datetime"
            | "decimal"
            | "uuid"
            | "typing"
            | "os"
            | "sys"
            | "json"
            | "re"
            | "logging"
            | "collections"
            | "functools"
            | "itertools"
            | "textwrap"
            | "time"
            | "types"
            | "dataclasses"
            | "pathlib"
            | "string"
            | "math"
    )
}

/// A project module as parsed.
#[derive(Debug)]
pub struct ParsedModule {
    /// Dotted name: `app.models.enums`.
    pub name: String,
    pub path: PathBuf,
    /// An `__init__.py`: relative imports start from the module itself.
    pub is_package: bool,
    pub body: Vec<Stmt>,
    source_len: usize,
}

/// The project's modules read so far, shared by the revisions rendered in parallel.
pub struct ModuleCache {
    roots: Vec<PathBuf>,
    repository: PathBuf,
    /// Append-only: a module read stays until the cache is dropped, so a render borrows it
    /// while others add more. `None`: not a project module (or not readable).
    modules: FrozenMap<String, Box<Option<ParsedModule>>>,
}

impl ModuleCache {
    /// Modules are looked for under `roots`, in order, and only files inside `repository`
    /// (both canonical) are read.
    pub fn new(roots: Vec<PathBuf>, repository: PathBuf) -> ModuleCache {
        ModuleCache {
            roots,
            repository,
            modules: FrozenMap::new(),
        }
    }

    /// No module resolves: every import stays unknown.
    pub fn none() -> ModuleCache {
        ModuleCache::new(Vec::new(), PathBuf::new())
    }

    /// The module named `name`, read and parsed on first use. Two revisions asking for the
    /// same new module at once may both parse it; the first to finish is kept.
    pub fn get(&self, name: &str) -> Option<&ParsedModule> {
        // Every `sa.X` of a revision asks for `sqlalchemy`: answered before the map's lock
        // and hash.
        if never_project(top_level(name)) {
            return None;
        }
        if let Some(known) = self.modules.get(name) {
            return known.as_ref();
        }
        if self.modules.len() >= MAX_MODULES {
            return None;
        }
        let module = self.read(name);
        (self.modules.insert(name.to_string(), Box::new(module))).as_ref()
    }

    /// Whether `name` was looked for (read, or found not to be a project module).
    #[cfg(test)]
    pub fn was_looked_for(&self, name: &str) -> bool {
        self.modules.get(name).is_some()
    }

    fn read(&self, name: &str) -> Option<ParsedModule> {
        let segments: Vec<&str> = name.split('.').collect();
        if !segments.iter().all(|s| is_identifier(s)) {
            return None;
        }
        let relative: PathBuf = segments.iter().collect();
        let (path, is_package) = self.roots.iter().find_map(|root| {
            let package = root.join(&relative).join("__init__.py");
            let module = root.join(&relative).with_extension("py");
            [(package, true), (module, false)]
                .into_iter()
                .find(|(path, _)| path.is_file())
        })?;
        // A symbolic link out of the repository (into site-packages, say) is not followed.
        if !path.canonicalize().ok()?.starts_with(&self.repository) {
            return None;
        }
        let text = std::fs::read_to_string(&path).ok()?;
        if text.len() > MAX_MODULE_BYTES {
            return None;
        }
        let body = on_stack(text.len(), || parse_module(&text))??;
        Some(ParsedModule {
            name: name.to_string(),
            path,
            is_package,
            body,
            source_len: text.len(),
        })
    }
}

impl Drop for ModuleCache {
    /// Syntax trees are dropped recursively: on a stack sized for the sources, as they
    /// were parsed.
    fn drop(&mut self) {
        let modules = std::mem::take(self.modules.as_mut());
        let bytes = modules
            .values()
            .map(|m| m.as_ref().as_ref().map_or(0, |m| m.source_len))
            .sum();
        on_stack(bytes, move || drop(modules));
    }
}

fn is_identifier(segment: &str) -> bool {
    let mut chars = segment.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

fn parse_module(text: &str) -> Option<Vec<Stmt>> {
    super::check_nesting(text).ok()?;
    crate::python::parse::parse_module(text, "<module>")
        .ok()
        .map(|module| module.body)
}

/// Runs `work` on a thread whose stack fits `source_bytes` of Python (see the renderer's
/// stack sizing); `None` when no thread can be started.
fn on_stack<T: Send>(source_bytes: usize, work: impl FnOnce() -> T + Send) -> Option<T> {
    let stack =
        super::STACK_BASE.saturating_add(source_bytes.saturating_mul(super::STACK_PER_SOURCE_BYTE));
    crate::stack::with_stack(stack, work).ok()
}

/// The absolute module a `from` import names: `from .x import y` in `importer` is
/// relative to its package. `None` when it cannot be resolved (relative in a revision, or
/// above the top package).
pub fn from_module(
    module: Option<&str>,
    level: usize,
    importer: Option<&ParsedModule>,
) -> Option<String> {
    if level == 0 {
        return module.map(str::to_string);
    }
    let importer = importer?;
    let mut package: Vec<&str> = importer.name.split('.').collect();
    if !importer.is_package {
        package.pop();
    }
    for _ in 1..level {
        package.pop()?;
    }
    package.extend(module.map(|m| m.split('.')).into_iter().flatten());
    (!package.is_empty()).then(|| package.join("."))
}
