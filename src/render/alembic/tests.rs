//! Table-driven tests: Python snippet → SQL, no Python needed.
