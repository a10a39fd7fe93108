//! `locksmith check-downgrade`: every migration's upgrade then downgrade replayed on the
//! schema model, which must come back to the schema the upgrade started from. It is
//! `lint` with only the rules about downgrades on, so formats and exit codes are lint's.

use locksmith::config::{Config, Level};
use locksmith::rules;

use super::lint::{Narrow, Output, run_adjusted};
use super::{Common, FailOn};

/// The rules `check-downgrade` reports: a difference after the round trip, and why a
/// revision could not be compared (an empty downgrade, a part not rendered).
const RULES: &[&str] = &[
    "downgrade-not-reversible",
    "alembic-empty-downgrade",
    "unrenderable-operation",
];

pub(crate) fn run(
    paths: &[String],
    common: &Common,
    output: Output,
    fail_on: Option<FailOn>,
) -> u8 {
    let adjust = |config: &mut Config| {
        for rule in rules::ALL {
            if !RULES.contains(&rule.id) {
                config.rules.insert(rule.id.to_string(), Level::Off);
            }
        }
        let on = std::mem::take(config);
        *config = on.enabling(&rules::downgrade_not_reversible::RULE);
        // unrenderable-operation then reports downgrade() parts too.
        config.downgrade = true;
    };
    run_adjusted(paths, common, output, fail_on, &adjust, &Narrow::default())
}
