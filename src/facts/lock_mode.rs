//! PostgreSQL's table-level lock modes: their names, which ones conflict, and what each
//! blocks. Which mode each statement takes is the lock model's table.

use serde::Serialize;

/// PostgreSQL's table-level lock modes, weakest first
/// (<https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES>).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum LockMode {
    AccessShareLock = 1,
    RowShareLock = 2,
    RowExclusiveLock = 3,
    ShareUpdateExclusiveLock = 4,
    ShareLock = 5,
    ShareRowExclusiveLock = 6,
    ExclusiveLock = 7,
    AccessExclusiveLock = 8,
}

impl LockMode {
    /// The name PostgreSQL shows in `pg_locks.mode`.
    pub fn name(self) -> &'static str {
        match self {
            LockMode::AccessShareLock => "AccessShareLock",
            LockMode::RowShareLock => "RowShareLock",
            LockMode::RowExclusiveLock => "RowExclusiveLock",
            LockMode::ShareUpdateExclusiveLock => "ShareUpdateExclusiveLock",
            LockMode::ShareLock => "ShareLock",
            LockMode::ShareRowExclusiveLock => "ShareRowExclusiveLock",
            LockMode::ExclusiveLock => "ExclusiveLock",
            LockMode::AccessExclusiveLock => "AccessExclusiveLock",
        }
    }

    pub fn from_name(name: &str) -> Option<LockMode> {
        ALL_LOCK_MODES.into_iter().find(|m| m.name() == name)
    }

    /// From the `mode` number of a parsed `LOCK TABLE` statement (PostgreSQL's lockdefs.h).
    pub fn from_number(n: i32) -> Option<LockMode> {
        ALL_LOCK_MODES.into_iter().find(|m| *m as i32 == n)
    }

    /// Table 13.2 "Conflicting Lock Modes".
    pub fn conflicts_with(self, other: LockMode) -> bool {
        use LockMode::*;
        let conflicts: &[LockMode] = match self {
            AccessShareLock => &[AccessExclusiveLock],
            RowShareLock => &[ExclusiveLock, AccessExclusiveLock],
            RowExclusiveLock => &[
                ShareLock,
                ShareRowExclusiveLock,
                ExclusiveLock,
                AccessExclusiveLock,
            ],
            ShareUpdateExclusiveLock => &[
                ShareUpdateExclusiveLock,
                ShareLock,
                ShareRowExclusiveLock,
                ExclusiveLock,
                AccessExclusiveLock,
            ],
            ShareLock => &[
                RowExclusiveLock,
                ShareUpdateExclusiveLock,
                ShareRowExclusiveLock,
                ExclusiveLock,
                AccessExclusiveLock,
            ],
            ShareRowExclusiveLock => &[
                RowExclusiveLock,
                ShareUpdateExclusiveLock,
                ShareLock,
                ShareRowExclusiveLock,
                ExclusiveLock,
                AccessExclusiveLock,
            ],
            ExclusiveLock => &[
                RowShareLock,
                RowExclusiveLock,
                ShareUpdateExclusiveLock,
                ShareLock,
                ShareRowExclusiveLock,
                ExclusiveLock,
                AccessExclusiveLock,
            ],
            AccessExclusiveLock => &ALL_LOCK_MODES,
        };
        conflicts.contains(&other)
    }

    /// Plain `SELECT` takes AccessShareLock; a lock that conflicts with it blocks reads.
    pub fn blocks_reads(self) -> bool {
        self.conflicts_with(LockMode::AccessShareLock)
    }

    /// INSERT/UPDATE/DELETE take RowExclusiveLock; a lock that conflicts with it blocks writes.
    pub fn blocks_writes(self) -> bool {
        self.conflicts_with(LockMode::RowExclusiveLock)
    }

    /// "blocks reads and writes", "blocks writes", ... for messages.
    pub fn blocks_description(self) -> &'static str {
        match (self.blocks_reads(), self.blocks_writes()) {
            (true, _) => "blocks reads and writes",
            (false, true) => "blocks writes",
            (false, false) if self.conflicts_with(self) => "blocks schema changes and VACUUM",
            (false, false) => "blocks only stronger locks",
        }
    }
}

pub const ALL_LOCK_MODES: [LockMode; 8] = [
    LockMode::AccessShareLock,
    LockMode::RowShareLock,
    LockMode::RowExclusiveLock,
    LockMode::ShareUpdateExclusiveLock,
    LockMode::ShareLock,
    LockMode::ShareRowExclusiveLock,
    LockMode::ExclusiveLock,
    LockMode::AccessExclusiveLock,
];
