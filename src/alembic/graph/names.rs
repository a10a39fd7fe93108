//! Near-miss names: edit distance, and the ids or branch labels close to one that names
//! nothing (the "did you mean" of problems and resolve errors).

/// Up to five ids or labels close to `wanted`: by edit distance to the whole candidate or
/// to its prefix of the same length (a mistyped prefix), best first.
pub(super) fn close_candidates<'a>(
    wanted: &str,
    pool: impl Iterator<Item = &'a str>,
) -> Vec<String> {
    let wanted_chars: Vec<char> = wanted.chars().collect();
    let limit = 1 + wanted_chars.len() / 4;
    let mut scored: Vec<(usize, &str)> = pool
        .filter_map(|candidate| {
            let chars: Vec<char> = candidate.chars().collect();
            let whole = edit_distance(&wanted_chars, &chars);
            let prefix = if chars.len() > wanted_chars.len() {
                edit_distance(&wanted_chars, &chars[..wanted_chars.len()])
            } else {
                whole
            };
            let d = whole.min(prefix);
            (d <= limit).then_some((d, candidate))
        })
        .collect();
    scored.sort_unstable();
    scored.dedup();
    scored
        .into_iter()
        .take(5)
        .map(|(_, c)| c.to_string())
        .collect()
}

fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}
