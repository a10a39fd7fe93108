//! The seeded generator of the tests that generate their cases: a linear congruential
//! generator, so a failing case comes back on every run, with no dependency.

/// A source of numbers below the bound asked for (0 for a bound of 0 or 1).
pub fn seeded(mut seed: u64) -> impl FnMut(usize) -> usize {
    move |below| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize % below.max(1)
    }
}
