//! The Alembic front-end of `trace`: the revisions a range selects (as `locksmith sql`
//! selects them), each as the SQL its `upgrade()` (or `downgrade()`) renders to
//! statically, with the `op` call each statement came from so that the report can name
//! the Python line.

use crate::alembic::LoadedProject;
use crate::alembic::offline::{RevisionRange, function_sql};
use crate::lint::alembic::known_columns;
use crate::source::{InputError, SourceFile};

use super::{RenderedFrom, TraceFile, sql_file};

/// The trace inputs of one project, in the order Alembic runs them, and what stopped a
/// revision (or the range) from being traced.
///
/// Without `--from`/`--to`/`--downgrade`, every loaded revision is traced in graph order
/// (base first): this also covers a single revision file whose parent is not loaded. With
/// a range, exactly the revisions `alembic upgrade --sql FROM:TO` would run.
pub fn revision_files(
    project: &LoadedProject,
    range: &RevisionRange,
) -> (Vec<TraceFile>, Vec<InputError>) {
    let graph = project.graph();
    let whole = range.from.is_none() && range.to.is_none() && !range.downgrade;
    let nodes = if whole {
        graph.topological_order()
    } else {
        match range.path(&graph) {
            Ok(nodes) => nodes,
            Err(error) => {
                let error = InputError {
                    file: project.root.display().to_string(),
                    line: None,
                    message: format!("revision range: {error}"),
                };
                return (Vec::new(), vec![error]);
            }
        }
    };
    let function = if range.downgrade {
        "downgrade"
    } else {
        "upgrade"
    };
    let files = nodes
        .into_iter()
        .filter_map(|node| {
            let name = node.file.display().to_string();
            // Revisions outside `project.revisions` (context only, excluded) are not traced.
            let loaded = project.revisions.iter().find(|r| r.source.name == name)?;
            let revision = loaded.rendered.as_ref().ok()?;
            let rendered = if range.downgrade {
                revision.downgrade.as_ref()
            } else {
                revision.upgrade.as_ref()
            };
            let sql = function_sql(rendered);
            let source = &loaded.source;
            let not_rendered = rendered
                .map(|f| f.unrenderable.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|u| {
                    let line = source.position(u.span.start).line;
                    format!("{} ({}:{line})", u.message, source.name)
                })
                .collect();
            let mut file = sql_file(SourceFile::new(
                format!("{name} (rendered {function})"),
                sql.text,
            ));
            file.rendered_from = Some(RenderedFrom {
                revision: source.clone(),
                function,
                origins: sql.origins,
                known: known_columns(&sql.existing),
                not_rendered,
            });
            Some(file)
        })
        .collect();
    (files, Vec::new())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    const REVISION: &str = "\
from alembic import op
import sqlalchemy as sa

revision = 'a1'
down_revision = None


def upgrade():
    op.add_column('users', sa.Column('email', sa.Text()))
    with op.get_context().autocommit_block():
        op.create_index('users_email_idx', 'users', ['email'], postgresql_concurrently=True)
    helper()


def downgrade():
    op.drop_column('users', 'email')
";

    #[test]
    fn statements_are_placed_at_their_op_calls() {
        let project = LoadedProject::from_sources(
            PathBuf::from("versions"),
            vec![SourceFile::new("versions/a1_email.py", REVISION)],
        );
        let (files, errors) = revision_files(&project, &RevisionRange::default());
        assert!(errors.is_empty(), "{errors:?}");
        let file = &files[0];
        assert_eq!(file.name(), "versions/a1_email.py");
        let placed: Vec<(usize, &str)> = file
            .statements
            .iter()
            .map(|s| {
                let sql = &file.source.text[s.span.clone()];
                (
                    file.position(s.span.start).line,
                    sql.split(' ').next().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            placed,
            [(9, "ALTER"), (10, "COMMIT"), (11, "CREATE"), (10, "BEGIN")]
        );
        let from = file.rendered_from.as_ref().unwrap();
        assert_eq!(from.function, "upgrade");
        assert_eq!(from.not_rendered.len(), 1, "{:?}", from.not_rendered);
        assert!(from.not_rendered[0].ends_with("(versions/a1_email.py:12)"));

        let down = RevisionRange {
            downgrade: true,
            ..RevisionRange::default()
        };
        let (files, errors) = revision_files(&project, &down);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            files[0].position(files[0].statements[0].span.start).line,
            16
        );
    }
}
