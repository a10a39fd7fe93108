//! Imports of a project's own modules: where they are found, what is evaluated, and what
//! stays unknown (unit tests over small module trees in a temporary directory).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{MAX_IMPORT_DEPTH, ModuleCache, render_revision_with};
use crate::alembic::revision::RenderedFunction;

/// A directory tree with `files` (path → text), removed when dropped.
struct Tree(PathBuf);

impl Tree {
    fn new(files: &[(&str, &str)]) -> Tree {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("locksmith-modules-{}-{n}", std::process::id()));
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Tree(dir.canonicalize().unwrap())
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    /// `upgrade()` with `body`, importing with `roots` (relative to the tree).
    fn upgrade(&self, roots: &[&str], body: &str) -> RenderedFunction {
        let roots = roots.iter().map(|r| self.path(r)).collect();
        let modules = ModuleCache::new(roots, self.0.clone());
        let body: String = body.lines().map(|l| format!("    {l}\n")).collect();
        let source =
            format!("from alembic import op\nimport sqlalchemy as sa\n\ndef upgrade():\n{body}");
        render_revision_with(&source, &modules)
            .unwrap()
            .upgrade
            .unwrap()
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn sql(function: &RenderedFunction) -> Vec<String> {
    assert!(
        function.unrenderable.is_empty(),
        "{:?}",
        function.unrenderable
    );
    function.statements.iter().map(|s| s.sql.clone()).collect()
}

fn unrenderable(function: &RenderedFunction) -> String {
    assert_eq!(function.unrenderable.len(), 1, "{function:?}");
    function.unrenderable[0].message.clone()
}

#[test]
fn modules_are_found_under_roots_and_src() {
    let tree = Tree::new(&[
        ("repo/src/app/__init__.py", "NAME_LEN = 80\n"),
        (
            "repo/src/app/constants.py",
            "TABLE = 'users'\nCOLUMNS = ['a', 'b']\n",
        ),
        (
            "repo/tools.py",
            "from app.constants import TABLE\nSCHEMA = 'ops'\n",
        ),
    ]);
    let function = tree.upgrade(
        &["repo", "repo/src"],
        "import app\nimport app.constants as c\nfrom tools import SCHEMA, TABLE\n\
         for col in c.COLUMNS:\n    op.add_column(TABLE, sa.Column(col, sa.String(app.NAME_LEN)), schema=SCHEMA)",
    );
    assert_eq!(
        sql(&function),
        [
            "ALTER TABLE ops.users ADD COLUMN a VARCHAR(80)",
            "ALTER TABLE ops.users ADD COLUMN b VARCHAR(80)"
        ]
    );
}

#[test]
fn package_init_relative_imports_helpers_enums_and_type_decorators() {
    let tree = Tree::new(&[
        ("app/__init__.py", "from .db import helpers\n"),
        ("app/db/__init__.py", ""),
        ("app/db/names.py", "PREFIX = 'trg'\n"),
        (
            "app/db/helpers.py",
            "from alembic import op\nfrom .names import PREFIX\nfrom ..enums import Color\n\n\
             def trigger(table):\n    op.execute(f'CREATE TRIGGER {PREFIX}_{table} AFTER INSERT ON {table} EXECUTE FUNCTION f()')\n",
        ),
        (
            "app/enums.py",
            "import enum\n\nclass Color(enum.Enum):\n    red = 1\n    blue = 2\n",
        ),
        (
            "app/types.py",
            "import sqlalchemy as sa\n\nclass GUID(sa.types.TypeDecorator):\n    impl = sa.CHAR\n    cache_ok = True\n",
        ),
    ]);
    let function = tree.upgrade(
        &["."],
        "import app\nfrom app.enums import Color\nfrom app.types import GUID\n\
         app.helpers.trigger('t')\nop.add_column('t', sa.Column('c', sa.Enum(Color, name='color')))\n\
         op.add_column('t', sa.Column('g', GUID(32)))",
    );
    let statements = sql(&function);
    assert_eq!(
        statements[0],
        "CREATE TRIGGER trg_t AFTER INSERT ON t EXECUTE FUNCTION f()"
    );
    assert_eq!(statements[1], "ALTER TABLE t ADD COLUMN c color");
    assert_eq!(
        statements.last().unwrap(),
        "ALTER TABLE t ADD COLUMN g CHAR(32)"
    );
}

#[test]
fn import_cycles_end_and_see_the_names_defined_so_far() {
    let tree = Tree::new(&[
        ("a.py", "X = 'from_a'\nimport b\nfrom b import Y\n"),
        ("b.py", "import a\nfrom a import X\nY = X + '_b'\n"),
    ]);
    let function = tree.upgrade(&["."], "from a import Y\nop.drop_table(Y)");
    assert_eq!(sql(&function), ["DROP TABLE from_a_b"]);
}

#[test]
fn imports_deeper_than_the_limit_stay_unknown() {
    let chain = |depth: usize| {
        let mut files: Vec<(String, String)> = (0..depth)
            .map(|i| (format!("m{i}.py"), format!("from m{} import NAME\n", i + 1)))
            .collect();
        files.push((format!("m{depth}.py"), "NAME = 'deep'\n".to_string()));
        files
    };
    for (depth, renders) in [(MAX_IMPORT_DEPTH - 1, true), (MAX_IMPORT_DEPTH + 2, false)] {
        let files = chain(depth);
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let tree = Tree::new(&files);
        let function = tree.upgrade(&["."], "from m0 import NAME\nop.drop_table(NAME)");
        assert_eq!(
            function.unrenderable.is_empty(),
            renders,
            "{depth}: {function:?}"
        );
    }
}

#[test]
fn missing_third_party_and_unknown_values_name_the_import() {
    let tree = Tree::new(&[
        (
            "app/settings.py",
            "import os\nTIER = os.environ.get('TIER', 'x')\n",
        ),
        (
            "app/types.py",
            "import sqlalchemy as sa\n\nclass Custom(sa.TypeDecorator):\n    impl = sa.CHAR\n\n    def load_dialect_impl(self, dialect):\n        return sa.Text()\n",
        ),
        ("outside.py", "TABLE = 't'\n"),
    ]);
    let message =
        unrenderable(&tree.upgrade(&["."], "from app.missing import helper\nhelper('t')"));
    assert!(message.contains("`app.missing.helper`"), "{message}");
    let message = unrenderable(&tree.upgrade(
        &["."],
        "from sqlalchemy_utils import PasswordType\nop.alter_column('t', 'u', type_=PasswordType())",
    ));
    assert!(
        message.contains("sqlalchemy_utils.PasswordType"),
        "{message}"
    );
    let message = unrenderable(&tree.upgrade(
        &["."],
        "from app.settings import TIER\nop.execute(f\"UPDATE t SET tier = '{TIER}'\")",
    ));
    assert!(message.contains("`app.settings.TIER`"), "{message}");
    let message = unrenderable(&tree.upgrade(
        &["."],
        "from app.types import Custom\nop.alter_column('t', 'c', type_=Custom())",
    ));
    assert!(message.contains("app.types.Custom"), "{message}");
    // A root outside the repository is not read.
    let modules = ModuleCache::new(vec![tree.0.clone()], tree.path("app"));
    assert!(modules.get("outside").is_none());
    assert!(modules.get("sqlalchemy").is_none());
}

#[test]
fn a_module_is_parsed_once_per_cache() {
    let tree = Tree::new(&[("app.py", "X = 1\n")]);
    let modules = ModuleCache::new(vec![tree.0.clone()], tree.0.clone());
    let first = modules.get("app").unwrap();
    std::fs::remove_file(tree.path("app.py")).unwrap();
    assert!(std::ptr::eq(first, modules.get("app").unwrap()));
    assert!(Path::new(&first.path).ends_with("app.py"));
}

#[test]
fn a_module_imports_are_read_when_used_and_rebinding_wins() {
    let tree = Tree::new(&[
        (
            "app/constants.py",
            "from app.heavy import HELPER\nfrom app.base import PREFIX\nfrom app.base import OTHER\nTABLE = PREFIX + '_users'\nOTHER = 'rebound'\nLATE = 'own'\nfrom app.base import LATE\n",
        ),
        (
            "app/base.py",
            "PREFIX = 'app'\nOTHER = 'base'\nLATE = 'base_late'\n",
        ),
        ("app/heavy.py", "this is not python\n"),
    ]);
    let modules = ModuleCache::new(vec![tree.0.clone()], tree.0.clone());
    let source = "from alembic import op\nfrom app.constants import TABLE, OTHER, LATE\n\ndef upgrade():\n    op.drop_table(TABLE)\n    op.drop_table(OTHER)\n    op.drop_table(LATE)\n";
    let function = render_revision_with(source, &modules)
        .unwrap()
        .upgrade
        .unwrap();
    // An import used at module level is evaluated then; a name bound after its import is
    // the new binding, an import after a binding replaces it, as in Python.
    assert_eq!(
        sql(&function),
        [
            "DROP TABLE app_users",
            "DROP TABLE rebound",
            "DROP TABLE base_late"
        ]
    );
    // `HELPER` is never used: its module is not even read.
    assert!(modules.was_looked_for("app.base"));
    assert!(!modules.was_looked_for("app.heavy"));
}
