//! Imports, in a revision and in the project modules it reads ([`super::super::modules`]):
//! what each import binds, and the module level of a project module, evaluated statically
//! on first use (once per revision) with the same evaluator as the revision. A name the
//! module does not define stays the imported path, one it defines with a value not known
//! statically is a runtime value naming it: using either is an `unrenderable-operation`
//! naming the import, as for a third-party module.

use std::collections::HashMap;
use std::sync::Arc;

use rustpython_parser::ast::{self, Expr, Stmt};

use crate::python::{self, Value};

use super::super::modules::{MAX_IMPORT_DEPTH, ParsedModule, from_module};
use super::super::{import_binding, pyvalues, type_decorator};
use super::Interp;

/// The project modules a revision may reach, and those evaluated so far.
#[derive(Default)]
pub struct ImportState<'a> {
    modules: HashMap<String, &'a ParsedModule>,
    /// Module-level names of each module evaluated (or being evaluated: an import cycle
    /// sees the names defined so far, as in Python).
    namespaces: HashMap<String, HashMap<String, Value>>,
    /// The module whose code runs; `None`: the revision's.
    current: Option<String>,
    depth: usize,
}

impl<'a> ImportState<'a> {
    pub fn new(modules: &'a [Arc<ParsedModule>]) -> Self {
        ImportState {
            modules: modules.iter().map(|m| (m.name.clone(), &**m)).collect(),
            ..ImportState::default()
        }
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
                let importer = importer.and_then(|m| self.imports.modules.get(m).copied());
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
                    let value = self.module_attribute(&base, alias.name.as_str());
                    self.set(&name, value.unwrap_or(fallback));
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
        Some(match self.imports.namespaces.get(module)?.get(attr)? {
            Value::Runtime(origin) => Value::Runtime(format!("`{module}.{attr}` ({origin})")),
            value => value.clone(),
        })
    }

    /// Evaluates a project module's module level, once; false when it is not one (or
    /// too many imports deep).
    fn load_module(&mut self, name: &str) -> bool {
        if self.imports.namespaces.contains_key(name) {
            return true;
        }
        let Some(module) = self.imports.modules.get(name).copied() else {
            return false;
        };
        if self.imports.depth >= MAX_IMPORT_DEPTH {
            return false;
        }
        self.imports
            .namespaces
            .insert(name.to_string(), HashMap::new());
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
