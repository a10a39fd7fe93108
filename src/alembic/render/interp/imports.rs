//! Imports, in a revision and in the project modules it reads ([`super::super::modules`]):
//! what each import binds, and the module level of a project module, evaluated statically
//! on first use (once per revision) with the same evaluator as the revision. A project
//! module's own `from m import name` is evaluated when `name` is first used, so the modules
//! nothing uses are never read. A name the module does not define stays the imported
//! path, one it defines with a value not known statically is a runtime value naming it:
//! using either is an `unrenderable-operation` naming the import, as for a third-party
//! module.

use rustpython_parser::ast::{self, Expr, Stmt};

use crate::python::{self, Value};

use super::super::modules::{MAX_IMPORT_DEPTH, ModuleCache, ParsedModule, from_module};
use super::super::{import_binding, pyvalues, type_decorator};
use super::{HashMap, Interp};

/// Where the project modules a revision imports are read, and those evaluated so far.
#[derive(Default)]
pub struct ImportState<'a> {
    modules: Option<&'a ModuleCache>,
    /// Module-level names of each module evaluated (or being evaluated: an import cycle
    /// sees the names defined so far, as in Python).
    namespaces: HashMap<String, HashMap<String, Value>>,
    /// Names a project module imports from another and has not used yet, by module and
    /// name. The other module is read and evaluated on first use: a module's imports that
    /// nothing uses (most of a big models package's) are never parsed.
    pending: HashMap<String, HashMap<String, PendingImport>>,
    /// The module whose code runs; `None`: the revision's.
    current: Option<String>,
    depth: usize,
}

/// `from module import attr` in a project module, not evaluated yet.
struct PendingImport {
    module: String,
    attr: String,
    /// The value when `module` is not a project module (its import path).
    fallback: Value,
    /// The import depth the statement ran at: evaluated later, it counts as evaluated then.
    depth: usize,
}

impl<'a> ImportState<'a> {
    pub fn new(modules: &'a ModuleCache) -> Self {
        ImportState {
            modules: Some(modules),
            ..ImportState::default()
        }
    }

    /// The project module `name`, read on first use.
    fn module(&self, name: &str) -> Option<&'a ParsedModule> {
        self.modules?.get(name)
    }
}

impl<'a> Interp<'a> {
    /// A module-level statement of the revision or of a project module: imports,
    /// constants, classes (enums, TypeDecorators) and functions. What cannot be evaluated
    /// leaves its names unknown.
    pub fn module_statement(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(_) | Stmt::ImportFrom(_) => self.bind_imports(stmt),
            Stmt::ClassDef(def) => {
                let class = pyvalues::enum_class(self, def)
                    .or_else(|| type_decorator::class(self, def))
                    .or_else(|| type_decorator::visit_name_class(self, def));
                if let Some(class) = class {
                    self.set(def.name.as_str(), class);
                }
            }
            Stmt::FunctionDef(def) => self.define_function(def),
            Stmt::Assign(ast::StmtAssign { targets, value, .. }) => {
                for target in targets {
                    self.assign_global(target, value);
                }
            }
            Stmt::AnnAssign(ast::StmtAnnAssign {
                target,
                value: Some(value),
                ..
            }) => self.assign_global(target, value),
            _ => {}
        }
    }

    fn assign_global(&mut self, target: &Expr, value: &Expr) {
        let value = python::eval(self, value)
            .unwrap_or_else(|e| Value::Runtime(format!("module-level value: {}", e.message)));
        let _ = python::bind_target(self, target, value);
    }

    /// Binds the names of an `import` or `from ... import` statement.
    pub(super) fn bind_imports(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::Import(import) => {
                for alias in &import.names {
                    let (name, value) = import_binding(None, alias);
                    self.set(&name, value);
                }
            }
            Stmt::ImportFrom(import) => {
                let level = import.level.map_or(0, |l| l.to_usize());
                let module = import.module.as_ref().map(|m| m.as_str());
                let importer = self.imports.current.as_ref();
                let importer = importer.and_then(|m| self.imports.module(m));
                // A relative import that cannot be resolved keeps its dots: never a
                // top-level module of the same name.
                let base = from_module(module, level, importer)
                    .unwrap_or_else(|| format!("{}{}", ".".repeat(level), module.unwrap_or("")));
                for alias in &import.names {
                    if alias.name.as_str() == "*" {
                        self.bind_star(&base);
                        continue;
                    }
                    let (name, fallback) = import_binding(Some(&base), alias);
                    let deferred = match &self.imports.current {
                        // At a project module's module level: resolved when used.
                        Some(module) if self.scopes.is_empty() => module.clone(),
                        _ => {
                            let value = self.module_attribute(&base, alias.name.as_str());
                            self.set(&name, value.unwrap_or(fallback));
                            continue;
                        }
                    };
                    if let Some(namespace) = self.imports.namespaces.get_mut(&deferred) {
                        namespace.remove(&name);
                    }
                    let import = PendingImport {
                        module: base.clone(),
                        attr: alias.name.to_string(),
                        fallback,
                        depth: self.imports.depth,
                    };
                    (self.imports.pending.entry(deferred).or_default()).insert(name, import);
                }
            }
            _ => {}
        }
    }

    /// `from m import *`: the public names of a project module.
    fn bind_star(&mut self, module: &str) {
        if !self.load_module(module) {
            return;
        }
        let pending: Vec<String> = (self.imports.pending.get(module).into_iter())
            .flat_map(|names| names.keys().filter(|name| !name.starts_with('_')).cloned())
            .collect();
        for name in pending {
            self.resolve_pending(module, &name);
        }
        let names: Vec<(String, Value)> = self.imports.namespaces[module]
            .iter()
            .filter(|(name, value)| !name.starts_with('_') && !matches!(value, Value::Runtime(_)))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        for (name, value) in names {
            self.set(&name, value);
        }
    }

    /// `module.attr` when `module` is a project module that defines `attr`: its value, or
    /// a runtime value naming it when the module's value is not known statically.
    pub(super) fn module_attribute(&mut self, module: &str, attr: &str) -> Option<Value> {
        if !self.load_module(module) {
            return None;
        }
        let value = match self.imports.namespaces.get(module)?.get(attr) {
            Some(value) => value.clone(),
            None => self.resolve_pending(module, attr)?,
        };
        Some(match value {
            Value::Runtime(origin) => Value::Runtime(format!("`{module}.{attr}` ({origin})")),
            value => value,
        })
    }

    /// A name `module` imported and had not used: its value now, kept in the module's
    /// namespace.
    fn resolve_pending(&mut self, module: &str, name: &str) -> Option<Value> {
        let import = self.imports.pending.get_mut(module)?.remove(name)?;
        let depth = std::mem::replace(&mut self.imports.depth, import.depth);
        let value = self.module_attribute(&import.module, &import.attr);
        self.imports.depth = depth;
        let value = value.unwrap_or(import.fallback);
        (self
            .imports
            .namespaces
            .entry(module.to_string())
            .or_default())
        .insert(name.to_string(), value.clone());
        Some(value)
    }

    /// A module-level name of the project module whose code runs, imported and not used
    /// until now.
    pub(super) fn pending_global(&mut self, name: &str) -> Option<Value> {
        let module = self.imports.current.clone()?;
        self.resolve_pending(&module, name)
    }

    /// A module-level name bound anew: an import of it not used yet is forgotten.
    pub(super) fn forget_pending(&mut self, name: &str) {
        if let Some(module) = &self.imports.current
            && let Some(names) = self.imports.pending.get_mut(module)
        {
            names.remove(name);
        }
    }

    /// Evaluates a project module's module level, once; false when it is not one (or
    /// too many imports deep).
    fn load_module(&mut self, name: &str) -> bool {
        if self.imports.namespaces.contains_key(name) {
            return true;
        }
        // Too deep is checked first: a module that deep is not even read.
        if self.imports.depth >= MAX_IMPORT_DEPTH {
            return false;
        }
        let Some(module) = self.imports.module(name) else {
            return false;
        };
        self.imports
            .namespaces
            .insert(name.to_string(), HashMap::default());
        let outer_module = self.imports.current.replace(name.to_string());
        let outer_scopes = std::mem::take(&mut self.scopes);
        let emitting = std::mem::replace(&mut self.emitting, false);
        self.imports.depth += 1;
        for stmt in &module.body {
            self.module_statement(stmt);
        }
        self.imports.depth -= 1;
        self.emitting = emitting;
        self.scopes = outer_scopes;
        self.imports.current = outer_module;
        true
    }

    /// The module-level names of the code running.
    pub(super) fn module_globals(&mut self) -> &mut HashMap<String, Value> {
        match &self.imports.current {
            Some(module) => self.imports.namespaces.entry(module.clone()).or_default(),
            None => &mut self.globals,
        }
    }

    pub(super) fn module_global(&self, name: &str) -> Option<&Value> {
        match &self.imports.current {
            Some(module) => self.imports.namespaces.get(module)?.get(name),
            None => self.globals.get(name),
        }
    }

    /// The key a function defined now is called by: its name in the revision, qualified
    /// by its module in a project module (`app.db.utils.create_trigger`).
    pub(super) fn function_key(&self, name: &str) -> String {
        match &self.imports.current {
            Some(module) => format!("{module}.{name}"),
            None => name.to_string(),
        }
    }

    /// Makes the module of function `key` the running one; returns the one to restore.
    pub(super) fn enter_module_of(&mut self, key: &str) -> Option<String> {
        let module = key.rsplit_once('.').map(|(module, _)| module.to_string());
        std::mem::replace(&mut self.imports.current, module)
    }

    pub(super) fn leave_module(&mut self, outer: Option<String>) {
        self.imports.current = outer;
    }
}
