//! Upgrade and downgrade ranges: the revisions `alembic upgrade FROM:TO --sql` applies
//! and `alembic downgrade FROM:TO --sql` removes, in order.

use super::resolve::Position;
use super::{ResolveError, RevisionGraph, RevisionNode};

impl RevisionGraph {
    /// The revisions `alembic upgrade FROM:TO --sql` applies, in order. `from` is `None`
    /// for base; a relative `to` (`+2`) counts from `from`.
    pub fn upgrade_path(
        &self,
        from: Option<&str>,
        to: &str,
    ) -> Result<Vec<&RevisionNode>, ResolveError> {
        let start = match from {
            None => Position::Base,
            Some(spec) => self.resolve_at(spec, None)?,
        };
        let target = self.resolve_at(to, Some(&start))?;
        let applied = match &start {
            Position::Base => vec![false; self.nodes.len()],
            Position::At(revs) => self.closure(revs, &self.up),
        };
        let targets = match &target {
            Position::Base => {
                return match start {
                    Position::Base => Ok(Vec::new()),
                    Position::At(_) => Err(self.error(
                        to,
                        format!(
                            "base is below {}; use a downgrade to go back",
                            from.unwrap_or("")
                        ),
                        Vec::new(),
                    )),
                };
            }
            Position::At(revs) => revs,
        };
        if let Position::At(start_revs) = &start {
            let mut same_a = start_revs.clone();
            let mut same_b = targets.clone();
            same_a.sort_unstable();
            same_b.sort_unstable();
            // A target entirely at or below the start is a downgrade, as Alembic says.
            if same_a != same_b && targets.iter().all(|&t| applied[t]) {
                return Err(self.error(
                    to,
                    format!(
                        "{} is already below {}; it is not an upgrade target (use a downgrade)",
                        self.list(targets),
                        from.unwrap_or("")
                    ),
                    Vec::new(),
                ));
            }
        }
        let wanted = self.closure(targets, &self.up);
        Ok(self
            .order
            .iter()
            .filter(|&&i| wanted[i] && !applied[i])
            .map(|&i| &self.nodes[i])
            .collect())
    }

    /// The revisions `alembic downgrade FROM:TO --sql` removes, in order (heads first).
    /// `to` is `None` for base; a relative `to` (`-1`) counts from `from`.
    pub fn downgrade_path(
        &self,
        from: &str,
        to: Option<&str>,
    ) -> Result<Vec<&RevisionNode>, ResolveError> {
        let start = self.resolve_at(from, None)?;
        let target = match to {
            None => Position::Base,
            Some(spec) => self.resolve_at(spec, Some(&start))?,
        };
        let start_revs = match &start {
            Position::Base => {
                return match target {
                    Position::Base => Ok(Vec::new()),
                    Position::At(_) => Err(self.error(
                        to.unwrap_or(""),
                        "nothing is applied at base, so there is nothing to downgrade".into(),
                        Vec::new(),
                    )),
                };
            }
            Position::At(revs) => revs,
        };
        let applied = self.closure(start_revs, &self.up);
        let remove: Vec<bool> = match &target {
            Position::Base => applied,
            Position::At(targets) => {
                if let Some(&outside) = targets.iter().find(|&&t| !applied[t]) {
                    return Err(self.error(
                        to.unwrap_or(""),
                        format!(
                            "{} is not below {from}; it is not a downgrade target (use an upgrade)",
                            self.nodes[outside].describe()
                        ),
                        Vec::new(),
                    ));
                }
                // What goes is what was built on top of a target: its down_revision
                // children and everything after them, dependants included. Revisions that
                // merely depend on a target stay with it.
                let kept = self.closure(targets, &self.up);
                let roots: Vec<usize> = targets
                    .iter()
                    .flat_map(|&t| self.down_children[t].iter().copied())
                    .collect();
                let above = self.closure(&roots, &self.children);
                (0..self.nodes.len())
                    .map(|i| applied[i] && above[i] && !kept[i])
                    .collect()
            }
        };
        Ok(self
            .order
            .iter()
            .rev()
            .filter(|&&i| remove[i])
            .map(|&i| &self.nodes[i])
            .collect())
    }
}
