//! Unit tests of the revision graph: building, problems, order, resolution and ranges,
//! through its public API.

use super::*;

fn rev(id: &str, down: &[&str]) -> RevisionNode {
    RevisionNode {
        file: PathBuf::from(format!("versions/{id}_change.py")),
        revision: Some(id.to_string()),
        down_revision: down.iter().map(|s| s.to_string()).collect(),
        message: Some(format!("change {id}")),
        revision_line: 10,
        down_revision_line: 11,
        ..RevisionNode::default()
    }
}

fn labelled(id: &str, down: &[&str], labels: &[&str]) -> RevisionNode {
    RevisionNode {
        branch_labels: labels.iter().map(|s| s.to_string()).collect(),
        ..rev(id, down)
    }
}

fn ids(nodes: &[&RevisionNode]) -> Vec<String> {
    nodes
        .iter()
        .map(|n| n.revision.clone().unwrap_or_default())
        .collect()
}

fn revs(list: &[&str]) -> Resolved {
    Resolved::Revisions(list.iter().map(|s| s.to_string()).collect())
}

fn chain() -> RevisionGraph {
    // Given out of order, and with ids that do not sort in chain order.
    build(vec![
        rev("c3", &["b2"]),
        rev("a1", &[]),
        rev("b2", &["a1"]),
        rev("0d4", &["c3"]),
    ])
}

#[test]
fn linear_chain_orders_base_to_head_and_has_no_problems() {
    let g = chain();
    assert_eq!(ids(&g.topological_order()), ["a1", "b2", "c3", "0d4"]);
    assert_eq!(ids(&g.heads()), ["0d4"]);
    assert_eq!(ids(&g.bases()), ["a1"]);
    assert!(g.problems().is_empty(), "{:?}", g.problems());
}

#[test]
fn linear_chain_resolves_names_prefixes_and_relative_steps() {
    let g = chain();
    assert_eq!(g.resolve("head").unwrap(), revs(&["0d4"]));
    assert_eq!(g.resolve("heads").unwrap(), revs(&["0d4"]));
    assert_eq!(g.resolve("base").unwrap(), Resolved::Base);
    assert_eq!(g.resolve("c").unwrap(), revs(&["c3"]));
    assert_eq!(g.resolve(" b2 ").unwrap(), revs(&["b2"]));
    assert_eq!(g.resolve("+2").unwrap(), revs(&["b2"]));
    assert_eq!(g.resolve("a1+2").unwrap(), revs(&["c3"]));
    assert_eq!(g.resolve("-1").unwrap(), revs(&["c3"]));
    assert_eq!(g.resolve("head-3").unwrap(), revs(&["a1"]));
    assert_eq!(g.resolve("-4").unwrap(), Resolved::Base);
    assert_eq!(g.resolve("base+1").unwrap(), revs(&["a1"]));
    let past_base = g.resolve("-5").unwrap_err();
    assert!(past_base.message.contains("below base"), "{past_base}");
    let past_head = g.resolve("b2+3").unwrap_err();
    assert!(past_head.message.contains("past the head"), "{past_head}");
}

#[test]
fn linear_chain_paths() {
    let g = chain();
    assert_eq!(
        ids(&g.upgrade_path(None, "head").unwrap()),
        ["a1", "b2", "c3", "0d4"]
    );
    assert_eq!(
        ids(&g.upgrade_path(Some("a1"), "c3").unwrap()),
        ["b2", "c3"]
    );
    assert_eq!(
        ids(&g.upgrade_path(Some("base"), "b").unwrap()),
        ["a1", "b2"]
    );
    assert_eq!(
        ids(&g.upgrade_path(Some("a1"), "+2").unwrap()),
        ["b2", "c3"]
    );
    assert_eq!(ids(&g.upgrade_path(None, "+1").unwrap()), ["a1"]);
    assert!(g.upgrade_path(Some("c3"), "c3").unwrap().is_empty());
    assert!(g.upgrade_path(None, "base").unwrap().is_empty());
    let backwards = g.upgrade_path(Some("c3"), "a1").unwrap_err();
    assert!(backwards.message.contains("downgrade"), "{backwards}");

    assert_eq!(
        ids(&g.downgrade_path("head", None).unwrap()),
        ["0d4", "c3", "b2", "a1"]
    );
    assert_eq!(
        ids(&g.downgrade_path("0d4", Some("a1")).unwrap()),
        ["0d4", "c3", "b2"]
    );
    assert_eq!(ids(&g.downgrade_path("c3", Some("-1")).unwrap()), ["c3"]);
    assert_eq!(
        ids(&g.downgrade_path("c3", Some("base")).unwrap()),
        ["c3", "b2", "a1"]
    );
    let forwards = g.downgrade_path("a1", Some("c3")).unwrap_err();
    assert!(
        forwards.message.contains("not a downgrade target"),
        "{forwards}"
    );
}

fn branch_and_merge(with_merge: bool) -> RevisionGraph {
    let mut nodes = vec![
        rev("aa", &[]),
        rev("bb1", &["aa"]),
        rev("bb2", &["bb1"]),
        rev("cc1", &["aa"]),
        rev("cc2", &["cc1"]),
    ];
    if with_merge {
        nodes.push(rev("mm", &["bb2", "cc2"]));
    }
    build(nodes)
}

#[test]
fn branch_and_merge_keeps_each_branch_together() {
    let g = branch_and_merge(true);
    assert_eq!(
        ids(&g.topological_order()),
        ["aa", "bb1", "bb2", "cc1", "cc2", "mm"]
    );
    assert_eq!(ids(&g.heads()), ["mm"]);
    assert!(g.problems().is_empty(), "{:?}", g.problems());
    // The merge point is applied once, after both of its parents.
    assert_eq!(
        ids(&g.upgrade_path(Some("bb2"), "head").unwrap()),
        ["cc1", "cc2", "mm"]
    );
    assert_eq!(
        ids(&g.upgrade_path(Some("bb1"), "cc2").unwrap()),
        ["cc1", "cc2"]
    );
    // -1 from a merge point is both of its parents; one more step is ambiguous.
    assert_eq!(g.resolve("mm-1").unwrap(), revs(&["bb2", "cc2"]));
    let two_down = g.resolve("mm-2").unwrap_err();
    assert!(two_down.message.contains("ambiguous"), "{two_down}");
    // Going up from a branch point needs a branch.
    let fork = g.resolve("aa+1").unwrap_err();
    assert!(
        fork.message.contains("bb1") && fork.message.contains("cc1"),
        "{fork}"
    );
    assert_eq!(fork.candidates, ["bb1", "cc1"]);
    assert_eq!(g.resolve("bb2+1").unwrap(), revs(&["mm"]));
    assert_eq!(g.resolve("cc1@head").unwrap(), revs(&["mm"]));
}

#[test]
fn downgrading_to_one_side_of_a_merge_keeps_the_other_branch() {
    let g = branch_and_merge(true);
    assert_eq!(ids(&g.downgrade_path("head", Some("bb2")).unwrap()), ["mm"]);
    assert_eq!(
        ids(&g.downgrade_path("head", Some("bb1")).unwrap()),
        ["mm", "bb2"]
    );
    assert_eq!(
        ids(&g.downgrade_path("head", Some("aa")).unwrap()),
        ["mm", "cc2", "cc1", "bb2", "bb1"]
    );
}

#[test]
fn two_heads_are_an_error_naming_both_and_the_fix() {
    let g = branch_and_merge(false);
    let problems = g.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    let p = &problems[0];
    assert_eq!(p.kind, GraphProblemKind::MultipleHeads);
    assert_eq!(p.kind, GraphProblemKind::MultipleHeads);
    assert_eq!(p.file, PathBuf::from("versions/bb2_change.py"));
    assert_eq!(p.line, 10);
    assert_eq!(
        p.message,
        "2 heads: bb2 (versions/bb2_change.py), cc2 (versions/cc2_change.py); \
         `alembic upgrade head` fails until they are joined with `alembic merge heads`"
    );
    let head = g.resolve("head").unwrap_err();
    assert!(head.message.contains("2 heads"), "{head}");
    assert_eq!(head.candidates, ["bb2", "cc2"]);
    assert_eq!(g.resolve("heads").unwrap(), revs(&["bb2", "cc2"]));
    assert_eq!(
        ids(&g.upgrade_path(None, "heads").unwrap()),
        ["aa", "bb1", "bb2", "cc1", "cc2"]
    );
    assert_eq!(
        ids(&g.downgrade_path("heads", Some("aa")).unwrap()),
        ["cc2", "cc1", "bb2", "bb1"]
    );
    // From one head to all of them: the other branch.
    assert_eq!(
        ids(&g.upgrade_path(Some("bb2"), "heads").unwrap()),
        ["cc1", "cc2"]
    );
    assert!(g.upgrade_path(Some("heads"), "bb2").is_err());
    // A revision names the line it is on: `X@head`.
    assert_eq!(g.resolve("bb1@head").unwrap(), revs(&["bb2"]));
    assert_eq!(g.resolve("cc1@heads").unwrap(), revs(&["cc2"]));
    let from_fork = g.resolve("aa@head").unwrap_err();
    assert_eq!(from_fork.candidates, ["bb2", "cc2"]);
    assert_eq!(g.resolve("aa@heads").unwrap(), revs(&["bb2", "cc2"]));
}

fn labelled_branches() -> RevisionGraph {
    build(vec![
        rev("t1", &[]),
        labelled("n1", &["t1"], &["networking"]),
        rev("n2", &["n1"]),
        labelled("s1", &["t1"], &["shop"]),
        rev("s2", &["s1"]),
        labelled("x1", &[], &["extra"]),
    ])
}

#[test]
fn branch_labels_resolve_and_excuse_their_heads() {
    let g = labelled_branches();
    assert!(g.problems().is_empty(), "{:?}", g.problems());
    assert_eq!(ids(&g.heads()), ["n2", "s2", "x1"]);
    assert_eq!(g.branches_of("n2"), ["networking"]);
    assert!(g.branches_of("t1").is_empty());
    assert_eq!(g.resolve("networking@head").unwrap(), revs(&["n2"]));
    assert_eq!(g.resolve("shop@head").unwrap(), revs(&["s2"]));
    assert_eq!(g.resolve("shop@heads").unwrap(), revs(&["s2"]));
    assert_eq!(g.resolve("networking").unwrap(), revs(&["n1"]));
    assert_eq!(g.resolve("networking@base").unwrap(), revs(&["t1"]));
    assert_eq!(g.resolve("extra@base").unwrap(), Resolved::Base);
    assert_eq!(g.resolve("shop@s").unwrap_err().candidates, ["s1", "s2"]);
    assert_eq!(g.resolve("extra@x").unwrap(), revs(&["x1"]));
    assert_eq!(g.resolve("shop@+1").unwrap(), revs(&["s1"]));
    assert_eq!(g.resolve("shop@head-1").unwrap(), revs(&["s1"]));
    let wrong_branch = g.resolve("shop@n1").unwrap_err();
    assert!(
        wrong_branch.message.contains("on branch shop"),
        "{wrong_branch}"
    );
    let unknown = g.resolve("shopp@head").unwrap_err();
    assert_eq!(unknown.candidates, ["shop"]);
    assert!(unknown.message.contains("did you mean shop"), "{unknown}");
    // A bare `head` is still ambiguous: the branches are not merged.
    assert!(g.resolve("head").is_err());

    assert_eq!(
        ids(&g.upgrade_path(None, "networking@head").unwrap()),
        ["t1", "n1", "n2"]
    );
    assert_eq!(ids(&g.upgrade_path(None, "shop@+1").unwrap()), ["t1", "s1"]);
    assert_eq!(
        ids(&g
            .upgrade_path(Some("networking@head"), "shop@head")
            .unwrap()),
        ["s1", "s2"]
    );
    assert_eq!(
        ids(&g
            .downgrade_path("networking@head", Some("networking@base"))
            .unwrap()),
        ["n2", "n1"]
    );
    assert_eq!(
        ids(&g.downgrade_path("extra@head", Some("extra@base")).unwrap()),
        ["x1"]
    );
}

#[test]
fn heads_sharing_a_label_are_still_reported() {
    let g = build(vec![
        labelled("t1", &[], &["main"]),
        rev("a2", &["t1"]),
        rev("b2", &["t1"]),
    ]);
    let problems = g.problems();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].kind, GraphProblemKind::MultipleHeads);
    assert!(
        g.resolve("main@head")
            .unwrap_err()
            .message
            .contains("branch main has 2 heads")
    );
}

#[test]
fn duplicate_branch_label_is_broken() {
    let g = build(vec![
        labelled("a1", &[], &["x"]),
        labelled("b1", &["a1"], &["x"]),
    ]);
    let problems = g.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].kind, GraphProblemKind::BrokenRevision);
    assert_eq!(problems[0].file, PathBuf::from("versions/b1_change.py"));
    assert_eq!(
        problems[0].message,
        "branch label x is already used by a1 (versions/a1_change.py)"
    );
}

#[test]
fn depends_on_orders_and_pulls_in_dependencies() {
    let mut b2 = rev("b2", &["b1"]);
    b2.depends_on = vec!["a2".into()];
    let mut c1 = labelled("c1", &["t0"], &["gamma"]);
    c1.depends_on = vec!["alpha".into()]; // a branch label: the revision declaring it
    let g = build(vec![
        rev("t0", &[]),
        labelled("a1", &["t0"], &["alpha"]),
        rev("a2", &["a1"]),
        labelled("b1", &["t0"], &["beta"]),
        b2,
        c1,
    ]);
    assert!(g.problems().is_empty(), "{:?}", g.problems());
    // Being depended on does not stop a revision from being a head.
    assert_eq!(ids(&g.heads()), ["a2", "b2", "c1"]);
    let order = ids(&g.topological_order());
    let at = |id: &str| order.iter().position(|x| x == id).unwrap();
    assert!(at("a2") < at("b2") && at("a1") < at("c1"), "{order:?}");
    assert_eq!(
        ids(&g.upgrade_path(None, "beta@head").unwrap()),
        ["t0", "a1", "a2", "b1", "b2"]
    );
    assert_eq!(
        ids(&g.upgrade_path(Some("b1"), "b2").unwrap()),
        ["a1", "a2", "b2"]
    );
    // Removing a2 removes what depends on it; b1 and c1 stay.
    assert_eq!(
        ids(&g.downgrade_path("heads", Some("a1")).unwrap()),
        ["b2", "a2"]
    );
}

#[test]
fn depends_on_naming_nothing_is_broken() {
    let mut b = rev("bbbb", &["aaaa"]);
    b.depends_on = vec!["zzzz".into()];
    let g = build(vec![rev("aaaa", &[]), b]);
    let problems = g.problems();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].line, 11);
    assert_eq!(
        problems[0].message,
        "depends_on zzzz names no known revision or branch label"
    );
}

#[test]
fn prefixes_must_be_unique() {
    let g = build(vec![
        rev("abc111", &[]),
        rev("abc222", &["abc111"]),
        rev("abd333", &["abc222"]),
    ]);
    assert_eq!(g.resolve("abd").unwrap(), revs(&["abd333"]));
    assert_eq!(g.resolve("abc2").unwrap(), revs(&["abc222"]));
    let ambiguous = g.resolve("abc").unwrap_err();
    assert_eq!(ambiguous.candidates, ["abc111", "abc222"]);
    assert_eq!(
        ambiguous.message,
        "revision prefix abc is ambiguous: it matches abc111 (versions/abc111_change.py), \
         abc222 (versions/abc222_change.py); give more characters"
    );
    assert_eq!(g.resolve("a").unwrap_err().candidates.len(), 3);
    let typo = g.resolve("abc112").unwrap_err();
    assert_eq!(typo.candidates[0], "abc111");
    assert!(
        typo.message
            .starts_with("no revision or branch label abc112; did you mean abc111"),
        "{typo}"
    );
    let far = g.resolve("zzzzzz").unwrap_err();
    assert!(far.candidates.is_empty());
    assert_eq!(
        far.message,
        "no revision or branch label zzzzzz; heads: abd333 (versions/abd333_change.py)"
    );
    assert!(g.resolve("").is_err());
    assert!(g.upgrade_path(Some("abc"), "head").is_err());
}

#[test]
fn ids_containing_dashes_resolve_exactly_before_relative_parsing() {
    let g = build(vec![
        rev("2024-01-01", &[]),
        rev("2024-02-01", &["2024-01-01"]),
    ]);
    assert_eq!(g.resolve("2024-01-01").unwrap(), revs(&["2024-01-01"]));
    assert_eq!(g.resolve("2024-02-01").unwrap(), revs(&["2024-02-01"]));
}

#[test]
fn cycles_are_reported_and_ordered_last_without_hanging() {
    let g = build(vec![
        rev("zz", &[]),
        rev("aa", &["cc"]),
        rev("bb", &["aa"]),
        rev("cc", &["bb"]),
        rev("dd", &["cc"]),
        rev("ee", &["ee"]),
    ]);
    assert_eq!(
        ids(&g.topological_order()),
        ["zz", "aa", "bb", "cc", "dd", "ee"]
    );
    let problems = g.problems();
    // The cycle, the self-reference, and two heads (dd and the unrelated zz).
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert_eq!(problems[1].kind, GraphProblemKind::MultipleHeads);
    assert_eq!(problems[0].file, PathBuf::from("versions/aa_change.py"));
    assert_eq!(problems[0].line, 11);
    assert_eq!(
        problems[0].message,
        "revisions form a cycle through down_revision/depends_on: aa (versions/aa_change.py), \
         bb (versions/bb_change.py), cc (versions/cc_change.py)"
    );
    assert_eq!(
        problems[2].message,
        "revision ee (versions/ee_change.py) names itself as its own ancestor"
    );
    // Ranges over a cycle terminate too.
    assert_eq!(g.upgrade_path(None, "dd").unwrap().len(), 4);
    assert_eq!(ids(&g.downgrade_path("dd", Some("aa")).unwrap()), ["dd"]);
}

#[test]
fn cycle_through_depends_on_is_found() {
    let mut a = rev("aa", &[]);
    a.depends_on = vec!["bb".into()];
    let g = build(vec![a, rev("bb", &["aa"])]);
    assert_eq!(g.topological_order().len(), 2);
    assert!(
        g.problems()[0]
            .message
            .starts_with("revisions form a cycle"),
        "{:?}",
        g.problems()
    );
}

#[test]
fn duplicate_ids_name_both_files_and_both_stay_ordered() {
    let mut second = rev("dup1", &["base0"]);
    second.file = PathBuf::from("versions/zz_copy.py");
    let g = build(vec![
        second,
        rev("base0", &[]),
        rev("dup1", &["base0"]),
        rev("next", &["dup1"]),
    ]);
    let problems = g.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].kind, GraphProblemKind::BrokenRevision);
    assert_eq!(problems[0].kind, GraphProblemKind::BrokenRevision);
    assert_eq!(problems[0].file, PathBuf::from("versions/zz_copy.py"));
    assert_eq!(
        problems[0].message,
        "duplicate revision id dup1: versions/dup1_change.py declares it too; give one of them a new id"
    );
    let order: Vec<PathBuf> = g
        .topological_order()
        .iter()
        .map(|n| n.file.clone())
        .collect();
    assert_eq!(order.len(), 4);
    assert_eq!(order[0], PathBuf::from("versions/base0_change.py"));
    assert_eq!(
        g.get("dup1").unwrap().file,
        PathBuf::from("versions/dup1_change.py")
    );
    assert_eq!(ids(&g.heads()), ["next"]);
}

#[test]
fn missing_parent_and_missing_revision_are_broken() {
    let mut anonymous = rev("x", &["a1b2c3"]);
    anonymous.revision = None;
    anonymous.revision_line = 0;
    anonymous.file = PathBuf::from("versions/anon.py");
    let g = build(vec![
        rev("a1b2c3", &[]),
        rev("d4e5f6", &["a1b2c4"]),
        anonymous,
    ]);
    let problems = g.problems();
    // Two problems, not three: anon.py still names a1b2c3, so that is no second head.
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(problems[0].file, PathBuf::from("versions/anon.py"));
    assert_eq!(problems[0].line, 1);
    assert_eq!(
        problems[0].message,
        "revision file has no `revision` identifier; alembic cannot load it"
    );
    assert_eq!(problems[1].file, PathBuf::from("versions/d4e5f6_change.py"));
    assert_eq!(problems[1].line, 11);
    assert_eq!(
        problems[1].message,
        "down_revision a1b2c4 names no known revision; did you mean a1b2c3 (versions/a1b2c3_change.py)"
    );
    assert_eq!(g.topological_order().len(), 3);
}

#[test]
fn result_does_not_depend_on_input_order() {
    let nodes = vec![
        rev("aa", &[]),
        rev("bb1", &["aa"]),
        rev("cc1", &["aa"]),
        rev("bb2", &["bb1", "nope"]),
        rev("cc2", &["cc1"]),
        rev("cc2", &["cc1"]),
    ];
    let mut reversed = nodes.clone();
    reversed.reverse();
    let a = build(nodes);
    let b = build(reversed);
    assert_eq!(ids(&a.topological_order()), ids(&b.topological_order()));
    assert_eq!(a.problems(), b.problems());
}

#[test]
fn long_chain_of_two_thousand_revisions() {
    const N: usize = 2000;
    // Ids sort against the chain order, and the input is shuffled, so neither the tie
    // break nor the input order can produce the right answer by accident.
    let id = |i: usize| format!("r{:05}", N - i);
    let mut nodes: Vec<RevisionNode> = (0..N)
        .map(|i| {
            let down = if i == 0 { Vec::new() } else { vec![id(i - 1)] };
            RevisionNode {
                file: PathBuf::from(format!("versions/{}.py", id(i))),
                revision: Some(id(i)),
                down_revision: down,
                revision_line: 1,
                down_revision_line: 2,
                ..RevisionNode::default()
            }
        })
        .collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..nodes.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        nodes.swap(i, (state % (i as u64 + 1)) as usize);
    }
    let g = build(nodes);
    assert!(g.problems().is_empty());
    let expected: Vec<String> = (0..N).map(id).collect();
    assert_eq!(ids(&g.topological_order()), expected);
    assert_eq!(ids(&g.heads()), [id(N - 1)]);
    assert_eq!(g.upgrade_path(None, "head").unwrap().len(), N);
    assert_eq!(
        ids(&g.upgrade_path(Some(&id(10)), "+5").unwrap()),
        expected[11..16]
    );
    assert_eq!(g.downgrade_path("head", Some(&id(0))).unwrap().len(), N - 1);
    assert_eq!(g.resolve("-1999").unwrap(), revs(&[&id(0)]));
}

/// `grandfather_before`'s selection: what runs before a revision, through merges and
/// `depends_on`, never the revision itself or what comes after it.
#[test]
fn ancestors_follow_parents_merges_and_dependencies() {
    let mut feature = rev("f1", &["a1"]);
    feature.depends_on = vec!["x1".into()];
    let graph = build(vec![
        rev("a1", &[]),
        rev("b1", &["a1"]),
        feature,
        rev("x1", &[]),
        rev("m1", &["b1", "f1"]),
        rev("n1", &["m1"]),
    ]);
    let mut before = ids(&graph.ancestors("m1"));
    before.sort();
    assert_eq!(before, ["a1", "b1", "f1", "x1"]);
    assert_eq!(ids(&graph.ancestors("b1")), ["a1"]);
    assert!(graph.ancestors("a1").is_empty());
    assert!(graph.ancestors("nope").is_empty());
}
