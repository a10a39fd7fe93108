//! The one entry point every command uses for an Alembic project: read each revision file,
//! render it statically, and place it in the revision graph. `lint`, `sql`, `trace` and
//! the real-Alembic mode all start here, so a revision is read and rendered once per run.

use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::graph::{self, RevisionGraph, RevisionNode};
use super::project::AlembicProject;
use super::render::render_revision;
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
    pub revisions: Vec<LoadedRevision>,
    /// Revision files that could not be read (missing, not UTF-8).
    pub unreadable: Vec<InputError>,
}

/// Reads and renders the project's revision files in parallel, skipping the paths `skip`
/// names (the configuration's `exclude`).
pub fn load_project(
    project: &AlembicProject,
    skip: impl Fn(&Path) -> bool + Sync,
) -> LoadedProject {
    let outcomes: Vec<Result<LoadedRevision, InputError>> = project
        .revision_files
        .par_iter()
        .filter(|path| !skip(path))
        .map(|path| {
            Ok(LoadedRevision::render(SourceFile::read(
                path,
                &path.display().to_string(),
            )?))
        })
        .collect();
    let mut loaded = LoadedProject {
        root: project.root.clone(),
        transaction_per_migration: project.transaction_per_migration,
        revisions: Vec::new(),
        unreadable: Vec::new(),
    };
    for outcome in outcomes {
        match outcome {
            Ok(revision) => loaded.revisions.push(revision),
            Err(error) => loaded.unreadable.push(error),
        }
    }
    loaded
}

impl LoadedProject {
    /// Revision files already in memory (named by their paths), rendered in parallel.
    pub fn from_sources(root: PathBuf, sources: Vec<SourceFile>) -> LoadedProject {
        LoadedProject {
            root,
            transaction_per_migration: false,
            revisions: sources
                .into_par_iter()
                .map(LoadedRevision::render)
                .collect(),
            unreadable: Vec::new(),
        }
    }

    /// The revision graph of every revision that parsed.
    pub fn graph(&self) -> RevisionGraph {
        graph::build(
            self.revisions
                .iter()
                .filter_map(LoadedRevision::node)
                .collect(),
        )
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
    fn render(source: SourceFile) -> LoadedRevision {
        LoadedRevision {
            path: PathBuf::from(&source.name),
            rendered: render_revision(&source.text),
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
