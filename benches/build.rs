//! Writes a small pair of scenario-5 crates (derived and hand-written endpoints) into `OUT_DIR`
//! for the smoke test, which compiles both and checks that they send the same calls.

#[path = "src/endpoints_gen.rs"]
#[allow(dead_code, unreachable_pub)]
mod generator;

fn main() {
    println!("cargo::rerun-if-changed=src/endpoints_gen.rs");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    for (name, derived) in [("derived.rs", true), ("hand.rs", false)] {
        std::fs::write(out.join(name), generator::endpoints(8, derived, true)).expect("write");
    }
}
