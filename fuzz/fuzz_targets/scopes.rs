//! Fuzz target `scopes`: see `fuzz/harness.rs` for the input layout and the properties checked.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    harness::scopes(data);
});
