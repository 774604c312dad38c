//! Benchmarks of the workspace: see `BENCHMARKS.md` at the repository root.
//!
//! - [`fastpath`]: scenario 1, measured by the criterion bench `benches/token.rs`;
//! - [`overhead`], [`storm`], [`fleet`], [`compile`], [`sandbox_tput`]: scenarios 2 to 6, run by
//!   the `zoho-bench` binary (full size) and by `tests/smoke.rs` (one tiny iteration each);
//! - [`tenants`]: scenario 7, a registry of 100,000 users (memory per user, store reads, the
//!   registry's token fast path), run by the `zoho-bench` binary.
//!
//! Child processes (the sandbox, fleet workers, the timing `RUSTC_WRAPPER`) are the
//! `zoho-bench` binary itself with [`common::ROLE`] set ([`child::run`]).

pub mod child;
pub mod common;
pub mod compile;
pub mod download;
pub mod endpoints_gen;
pub mod fastpath;
pub mod fleet;
pub mod overhead;
pub mod report;
pub mod sandbox_tput;
pub mod stats;
pub mod storm;
#[cfg(feature = "redis")]
pub mod tenant_fleet;
pub mod tenants;
