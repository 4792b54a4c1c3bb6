//! Coffer's end-to-end tests live in `tests/`: they drive the real `coffer`
//! binary (build it first with `cargo build -p coffer-cli`) against
//! throwaway vaults, and check retrieval against a reference model with
//! proptest. This library is empty; it exists because Cargo needs a target.
