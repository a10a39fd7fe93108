//! Revision-spec resolution: what `head`, `heads`, `base`, an id or prefix, a branch
//! label, `label@X`, `rev@head` and the relative forms `X+N` / `X-N` name.

use super::names::close_candidates;
use super::order::sort_dedup;
use super::{ResolveError, Resolved, RevisionGraph};

/// The state a relative step starts from, and the branch it is confined to.
pub(super) enum Position {
    Base,
    At(Vec<usize>),
}

impl RevisionGraph {
    /// What `spec` names; see the module documentation for the accepted forms.
    pub fn resolve(&self, spec: &str) -> Result<Resolved, ResolveError> {
        let position = self.resolve_at(spec, None)?;
        Ok(self.to_resolved(&position))
    }

    fn to_resolved(&self, position: &Position) -> Resolved {
        match position {
            Position::Base => Resolved::Base,
            Position::At(revs) => {
                let mut revs = revs.clone();
                revs.sort_unstable_by_key(|&i| self.position[i]);
                Resolved::Revisions(
                    revs.iter()
                        .map(|&i| self.nodes[i].revision.clone().unwrap_or_default())
                        .collect(),
                )
            }
        }
    }

    pub(super) fn error(
        &self,
        spec: &str,
        message: String,
        candidates: Vec<String>,
    ) -> ResolveError {
        ResolveError {
            spec: spec.to_string(),
            message,
            candidates,
        }
    }

    pub(super) fn list(&self, revs: &[usize]) -> String {
        revs.iter()
            .map(|&i| self.nodes[i].describe())
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn ids(&self, revs: &[usize]) -> Vec<String> {
        revs.iter()
            .filter_map(|&i| self.nodes[i].revision.clone())
            .collect()
    }

    fn on_branch(&self, i: usize, label: Option<usize>) -> bool {
        match label {
            None => true,
            Some(l) => self.carried[i].binary_search(&l).is_ok(),
        }
    }

    /// Resolves `spec`; a bare relative spec counts from `anchor` (base for `+N` and the
    /// single head for `-N` when there is none).
    pub(super) fn resolve_at(
        &self,
        spec: &str,
        anchor: Option<&Position>,
    ) -> Result<Position, ResolveError> {
        let text = spec.trim();
        if text.is_empty() {
            return Err(self.error(spec, "empty revision".into(), Vec::new()));
        }
        let (label, rest) = match text.split_once('@') {
            Some((name, rest)) => match self.label_ids.get(name) {
                Some(&l) => (Some(l), rest),
                // `ae10@head`: the head of the line a revision is on.
                None if matches!(rest, "head" | "heads")
                    && self.by_id.keys().any(|id| id.starts_with(name)) =>
                {
                    return self.heads_above(spec, name, rest == "head");
                }
                None => {
                    let candidates =
                        close_candidates(name, self.labels.iter().map(|l| l.name.as_str()));
                    let mut known: Vec<&str> =
                        self.labels.iter().map(|l| l.name.as_str()).collect();
                    known.sort_unstable();
                    let hint = if !candidates.is_empty() {
                        format!("; did you mean {}", candidates.join(" or "))
                    } else if known.is_empty() {
                        "; no revision declares branch_labels".to_string()
                    } else {
                        format!("; known labels: {}", known.join(", "))
                    };
                    return Err(self.error(
                        spec,
                        format!("no branch label {name} in {spec}{hint}"),
                        candidates,
                    ));
                }
            },
            None => (None, text),
        };
        // An exact id or label wins over reading the spec as relative ("2024-01-01").
        if let Some(position) = self.exact(rest, label) {
            return Ok(position);
        }
        if let Some((base, sign, steps)) = split_relative(rest) {
            let start = if base.is_empty() {
                match anchor {
                    Some(Position::At(revs)) => Position::At(revs.clone()),
                    // `label@+N` from base starts where the branch starts.
                    Some(Position::Base) | None if sign > 0 => self.named(spec, "base", label)?,
                    Some(Position::Base) => Position::Base,
                    None => self.named(spec, "head", label)?,
                }
            } else {
                self.named(spec, base, label)?
            };
            return self.walk(spec, start, sign, steps, label);
        }
        self.named(spec, rest, label)
    }

    /// The heads descending from revision `name` (an id or prefix); exactly one if `one`.
    fn heads_above(&self, spec: &str, name: &str, one: bool) -> Result<Position, ResolveError> {
        let Position::At(start) = self.named(spec, name, None)? else {
            return Ok(Position::Base);
        };
        let above = self.closure(&start, &self.down_children);
        let heads: Vec<usize> = self.heads.iter().copied().filter(|&h| above[h]).collect();
        if one && heads.len() > 1 {
            return Err(self.error(
                spec,
                format!(
                    "{spec} is ambiguous: {} has {} heads above it: {}; name one of them",
                    self.nodes[start[0]].describe(),
                    heads.len(),
                    self.list(&heads)
                ),
                self.ids(&heads),
            ));
        }
        Ok(Position::At(heads))
    }

    /// An exact revision id (on the branch, when one is named) or, without a branch, a
    /// branch label.
    fn exact(&self, name: &str, label: Option<usize>) -> Option<Position> {
        if let Some(&i) = self.by_id.get(name)
            && self.on_branch(i, label)
        {
            return Some(Position::At(vec![i]));
        }
        if label.is_none()
            && let Some(&l) = self.label_ids.get(name)
        {
            return Some(Position::At(vec![self.labels[l].declared_by]));
        }
        None
    }

    /// `base`, `head`, `heads`, an id, a label or a prefix, on the branch when one is named.
    fn named(
        &self,
        spec: &str,
        name: &str,
        label: Option<usize>,
    ) -> Result<Position, ResolveError> {
        let label_name = label.map(|l| self.labels[l].name.as_str());
        match name {
            "base" => {
                let Some(l) = label else {
                    return Ok(Position::Base);
                };
                let declared = self.labels[l].declared_by;
                let parents = self.down_parents[declared].clone();
                return Ok(if parents.is_empty() {
                    Position::Base
                } else {
                    Position::At(parents)
                });
            }
            "heads" => {
                let heads: Vec<usize> = self
                    .heads
                    .iter()
                    .copied()
                    .filter(|&h| self.on_branch(h, label))
                    .collect();
                return Ok(if heads.is_empty() {
                    Position::Base
                } else {
                    Position::At(heads)
                });
            }
            "head" => {
                let heads: Vec<usize> = self
                    .heads
                    .iter()
                    .copied()
                    .filter(|&h| self.on_branch(h, label))
                    .collect();
                return match heads.len() {
                    0 if label.is_none() => Ok(Position::Base),
                    0 => Err(self.error(
                        spec,
                        format!("branch {} has no head", label_name.unwrap_or("")),
                        Vec::new(),
                    )),
                    1 => Ok(Position::At(heads)),
                    _ => {
                        let what = match label_name {
                            Some(l) => format!("branch {l} has"),
                            None => "there are".to_string(),
                        };
                        Err(self.error(
                            spec,
                            format!(
                                "{spec} is ambiguous: {what} {} heads: {}; name one of them, use <label>@head, or `heads` for all of them (`alembic merge heads` joins them)",
                                heads.len(),
                                self.list(&heads)
                            ),
                            self.ids(&heads),
                        ))
                    }
                };
            }
            _ => {}
        }
        if let Some(position) = self.exact(name, label) {
            return Ok(position);
        }
        let mut matches: Vec<usize> = self
            .by_id
            .iter()
            .filter(|(id, _)| id.starts_with(name))
            .map(|(_, &i)| i)
            .filter(|&i| self.on_branch(i, label))
            .collect();
        matches.sort_unstable_by_key(|&i| self.rank[i]);
        match matches.len() {
            1 => Ok(Position::At(matches)),
            0 => {
                let pool = self.by_id.keys().map(String::as_str).chain(
                    if label.is_none() {
                        Some(self.labels.iter().map(|l| l.name.as_str()))
                    } else {
                        None
                    }
                    .into_iter()
                    .flatten(),
                );
                let candidates = close_candidates(name, pool);
                let where_ = match label_name {
                    Some(l) => format!(" on branch {l}"),
                    None => String::new(),
                };
                let hint = if candidates.is_empty() {
                    let heads = self.list(&self.heads);
                    if heads.is_empty() {
                        String::new()
                    } else {
                        format!("; heads: {heads}")
                    }
                } else {
                    let named: Vec<String> = candidates
                        .iter()
                        .map(|c| match self.by_id.get(c) {
                            Some(&i) => self.nodes[i].describe(),
                            None => format!("{c} (branch label)"),
                        })
                        .collect();
                    format!("; did you mean {}", named.join(" or "))
                };
                Err(self.error(
                    spec,
                    format!("no revision or branch label {name}{where_}{hint}"),
                    candidates,
                ))
            }
            _ => {
                let shown = &matches[..matches.len().min(10)];
                let more = if matches.len() > shown.len() {
                    format!(" and {} more", matches.len() - shown.len())
                } else {
                    String::new()
                };
                Err(self.error(
                    spec,
                    format!(
                        "revision prefix {name} is ambiguous: it matches {}{more}; give more characters",
                        self.list(shown)
                    ),
                    self.ids(&matches),
                ))
            }
        }
    }

    /// `steps` steps up (`sign` > 0) or down from `start`, along `down_revision` edges,
    /// staying on `label`'s branch when one is named.
    fn walk(
        &self,
        spec: &str,
        start: Position,
        sign: i32,
        steps: usize,
        label: Option<usize>,
    ) -> Result<Position, ResolveError> {
        let mut current = start;
        for taken in 0..steps {
            let next: Vec<usize> = if sign > 0 {
                let mut up: Vec<usize> = match &current {
                    Position::Base => self.bases_idx(),
                    Position::At(revs) => revs
                        .iter()
                        .flat_map(|&r| self.down_children[r].iter().copied())
                        .collect(),
                };
                up.retain(|&c| self.on_branch(c, label));
                sort_dedup(&mut up, &self.rank);
                up
            } else {
                match &current {
                    Position::Base => {
                        return Err(self.error(
                            spec,
                            format!("{spec} goes below base after {taken} of {steps} steps"),
                            Vec::new(),
                        ));
                    }
                    Position::At(revs) if revs.len() > 1 => {
                        return Err(self.error(
                            spec,
                            format!(
                                "{spec} is ambiguous: after {taken} steps it is at {}, and each goes down a different branch; name a revision instead",
                                self.list(revs)
                            ),
                            self.ids(revs),
                        ));
                    }
                    Position::At(revs) => {
                        let mut down = self.down_parents[revs[0]].clone();
                        if label.is_some() && down.len() > 1 {
                            let on: Vec<usize> = down
                                .iter()
                                .copied()
                                .filter(|&p| self.on_branch(p, label))
                                .collect();
                            if !on.is_empty() {
                                down = on;
                            }
                        }
                        down
                    }
                }
            };
            current = match next.len() {
                0 if sign > 0 => {
                    let at = match &current {
                        Position::Base => "base".to_string(),
                        Position::At(revs) => self.list(revs),
                    };
                    return Err(self.error(
                        spec,
                        format!("{spec} goes past the head: after {taken} of {steps} steps it is at {at}"),
                        Vec::new(),
                    ));
                }
                0 => Position::Base,
                1 => Position::At(next),
                _ if sign < 0 => Position::At(next),
                _ => {
                    let at = match &current {
                        Position::Base => "base".to_string(),
                        Position::At(revs) => self.list(revs),
                    };
                    return Err(self.error(
                        spec,
                        format!(
                            "{spec} is ambiguous: {at} is followed by {}; name a branch (<label>@+N) or a revision",
                            self.list(&next)
                        ),
                        self.ids(&next),
                    ));
                }
            };
        }
        Ok(current)
    }
}

/// `abc+2` → ("abc", 1, 2); `-1` → ("", -1, 1); `label@head-1` is split by the caller.
/// The base part is a word (letters, digits, `_`), as in Alembic.
fn split_relative(text: &str) -> Option<(&str, i32, usize)> {
    let at = text.rfind(['+', '-'])?;
    let (base, rest) = text.split_at(at);
    let digits = &rest[1..];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !base.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let steps: usize = digits.parse().ok()?;
    let sign = if rest.starts_with('+') { 1 } else { -1 };
    Some((base, sign, steps))
}
