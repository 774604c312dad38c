//! What users see: compile errors for every mistake the macros and the scope types catch, and
//! programs that must compile. The `.stderr` files are pinned to one compiler; regenerate with
//! `TRYBUILD=overwrite cargo test -p zoho-tests --test ui` and review the diff.

#[rustversion::attr(not(stable(1.95)), ignore = "stderr snapshots are pinned to rustc 1.95")]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
