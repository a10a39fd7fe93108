//! The one entry point every command uses for an Alembic project: read each revision file,
//! render it statically, and place it in the revision graph. `lint`, `sql`, `trace` and
//! the real-Alembic mode all start here, so a revision is read and rendered once per run.

use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::graph::{self, RevisionGraph, RevisionNode};
use super::project::{AlembicProject, EnvSettings, module_roots};
use super::render::{ModuleCache, read_revision_metadata, render_revision_with};
use super::revision::{PythonError, RevisionFile};
use crate::source::{InputError, SourceFile};

/// One revision file as read and rendered.
#[derive(Debug)]
pub struct LoadedRevision {
    pub path: PathBuf,
    pub source: SourceFile,
    /// Only a Python syntax error fails; what cannot be rendered is listed inside.
    pub rendered: Result<RevisionFile, PythonError>,
}

/// A project's revisions, in the project's file order (sorted by path).
#[derive(Debug)]
pub struct LoadedProject {
    /// Where the project was found (errors about the whole project name it).
    pub root: PathBuf,
    /// env.py runs each migration in its own transaction.
    pub transaction_per_migration: bool,
    /// env.py, when the project has one, and what it applies to every migration.
    pub env_py: Option<PathBuf>,
    pub env_settings: EnvSettings,
    pub revisions: Vec<LoadedRevision>,
    /// The project's other revision files when only some were asked for
    /// ([`load_named`]): read for the revision graph only, their functions not rendered.
    pub context: Vec<LoadedRevision>,
    /// Revision files that could not be read (missing, not UTF-8).
    pub unreadable: Vec<InputError>,
}

/// Reads and renders the project's revision files in parallel, skipping the paths `skip`
/// names (the configuration's `exclude`).
pub fn load_project(
    project: &AlembicProject,
    skip: impl Fn(&Path) -> bool + Sync,
) -> LoadedProject {
    load(project, None, skip)
}

/// Like [`load_project`], but only the revision files in `named` (as the project names
/// them) are rendered and become [`LoadedProject::revisions`]; the others are only read
/// for their place in the revision graph ([`LoadedProject::context`]).
pub fn load_named(
    project: &AlembicProject,
    named: &[PathBuf],
    skip: impl Fn(&Path) -> bool + Sync,
) -> LoadedProject {
    load(project, Some(named), skip)
}

fn load(
    project: &AlembicProject,
    named: Option<&[PathBuf]>,
    skip: impl Fn(&Path) -> bool + Sync,
) -> LoadedProject {
    // The project's own modules that revisions import: each read once for all of them.
    let roots = module_roots(project);
    let modules = ModuleCache::new(roots.roots, roots.repository);
    let outcomes: Vec<(bool, Result<LoadedRevision, InputError>)> = project
        .revision_files
        .par_iter()
        .filter(|path| !skip(path))
        .map(|path| {
            let wanted = named.is_none_or(|named| named.contains(path));
            let source = SourceFile::read(path, &path.display().to_string());
            (
                wanted,
                source.map(|source| LoadedRevision::read(source, wanted, &modules)),
            )
        })
        .collect();
    let mut loaded = LoadedProject {
        root: project.root.clone(),
        transaction_per_migration: project.transaction_per_migration,
        env_py: project.env_py.clone(),
        env_settings: project.env_settings.clone(),
        revisions: Vec::new(),
        context: Vec::new(),
        unreadable: Vec::new(),
    };
    for (wanted, outcome) in outcomes {
        match (wanted, outcome) {
            (true, Ok(revision)) => loaded.revisions.push(revision),
            (true, Err(error)) => loaded.unreadable.push(error),
            (false, Ok(revision)) => loaded.context.push(revision),
            // Not asked for: reported when that file itself is linted.
            (false, Err(_)) => {}
        }
    }
    loaded
}

impl LoadedProject {
    /// Revision files already in memory (named by their paths), rendered in parallel;
    /// without a project, the modules they import stay unknown.
    pub fn from_sources(root: PathBuf, sources: Vec<SourceFile>) -> LoadedProject {
        LoadedProject {
            root,
            transaction_per_migration: false,
            env_py: None,
            env_settings: EnvSettings::default(),
            revisions: sources
                .into_par_iter()
                .map(|source| LoadedRevision::read(source, true, &ModuleCache::none()))
                .collect(),
            context: Vec::new(),
            unreadable: Vec::new(),
        }
    }

    /// The revision graph of every revision that parsed, context included.
    pub fn graph(&self) -> RevisionGraph {
        graph::build(
            self.revisions
                .iter()
                .chain(&self.context)
                .filter_map(LoadedRevision::node)
                .collect(),
        )
    }

    /// Sets aside the revisions that run before the one `spec` names (its ancestors in
    /// the revision graph, dependencies included): they move to [`Self::context`], kept
    /// for the graph but not linted. `spec` is a revision id, a unique prefix of one, or
    /// a revision file's name. Returns how many were set aside, or `None` when `spec`
    /// names no revision of the project.
    pub fn set_aside_before(&mut self, spec: &str) -> Option<usize> {
        let graph = self.graph();
        let by_file = graph
            .nodes()
            .iter()
            .find(|n| n.file.file_name().is_some_and(|f| f == spec))
            .and_then(|n| n.revision.clone());
        let id = by_file.or_else(|| match graph.resolve(spec) {
            Ok(graph::Resolved::Revisions(ids))
                if ids.len() == 1 && graph.get(&ids[0]).is_some() =>
            {
                ids.into_iter().next()
            }
            _ => None,
        })?;
        let before: std::collections::HashSet<&Path> = graph
            .ancestors(&id)
            .into_iter()
            .map(|n| n.file.as_path())
            .collect();
        let (aside, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut self.revisions)
            .into_iter()
            .partition(|r| before.contains(Path::new(&r.source.name)));
        self.revisions = kept;
        let count = aside.len();
        self.context.extend(aside);
        Some(count)
    }

    /// The revision whose id is `id`.
    pub fn revision(&self, id: &str) -> Option<(&LoadedRevision, &RevisionFile)> {
        self.revisions.iter().find_map(|loaded| {
            let rendered = loaded.rendered.as_ref().ok()?;
            (rendered.revision.as_deref() == Some(id)).then_some((loaded, rendered))
        })
    }
}

impl LoadedRevision {
    /// Renders the revision (reading the project modules it imports from `modules`), or
    /// with `render` false reads only what it declares.
    fn read(source: SourceFile, render: bool, modules: &ModuleCache) -> LoadedRevision {
        let rendered = if render {
            render_revision_with(&source.text, modules)
        } else {
            read_revision_metadata(&source.text)
        };
        LoadedRevision {
            path: PathBuf::from(&source.name),
            rendered,
            source,
        }
    }

    /// Its place in the revision graph; `None` when it is not valid Python.
    pub fn node(&self) -> Option<RevisionNode> {
        let revision = self.rendered.as_ref().ok()?;
        let line = |span: &Option<Range<usize>>| {
            span.as_ref()
                .map_or(1, |s| self.source.position(s.start).line)
        };
        Some(RevisionNode {
            file: PathBuf::from(&self.source.name),
            revision: revision.revision.clone(),
            down_revision: revision.down_revision.clone(),
            branch_labels: revision.branch_labels.clone(),
            depends_on: revision.depends_on.clone(),
            message: revision.message.clone(),
            revision_line: line(&revision.revision_span),
            down_revision_line: line(&revision.down_revision_span),
        })
    }

    /// The Python syntax error as an input error naming the file and line.
    pub fn python_error(&self) -> Option<InputError> {
        let error = self.rendered.as_ref().err()?;
        Some(InputError {
            file: self.source.name.clone(),
            line: Some(
                self.source
                    .position(error.offset.min(self.source.text.len()))
                    .line,
            ),
            message: format!("invalid Python: {}", error.message),
        })
    }
}
