//! Helpers shared by the unit tests: reading the real DfE files in `../shared/`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests may panic: a panic is a failed test"
)]

/// The bytes of a file under `../shared/reference/public-data/`. Panics, failing the test,
/// when the file is missing: a silently skipped real-file test hides a regression.
pub(crate) fn public_data(relative: &str) -> Vec<u8> {
    let path = format!(
        "{}/{relative}",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/reference/public-data"
        )
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("real DfE test file {path} is missing: {e}"))
}
