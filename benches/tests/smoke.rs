//! One tiny iteration of every benchmark scenario, so that the benches never rot. No timing is
//! asserted: only that each scenario runs and that its counts hold (one token request per
//! expiry, no failed call).
#![allow(missing_docs)]

use zoho_benches::common::Bench;
use zoho_benches::fastpath::{Sources, VARIANTS, run_threads};
use zoho_benches::fleet::{FleetStore, fleet};
use zoho_benches::{compile, overhead, report, sandbox_tput, storm};

fn bench() -> Bench {
    Bench { exe: env!("CARGO_BIN_EXE_zoho-bench").into(), smoke: true }
}

#[test]
fn token_fast_path_variants_hand_out_the_token() {
    let s = Sources::new();
    for (_, f) in VARIANTS {
        assert_eq!(f(&s).expose_secret(), "1000.abc.def");
        for threads in [1, 2] {
            run_threads(threads, 200, || f(&s));
        }
    }
}

#[test]
fn per_call_overhead_runs() {
    let results =
        [overhead::overhead(30, 1, 10, 1).expect("sequential"), overhead::overhead(30, 4, 10, 1).expect("concurrent")];
    for r in &results {
        assert!(r.reps.iter().flatten().all(|v| v.calls == 30), "{r:?}");
    }
    assert!(report::overhead(&results).contains("Client + TokenManager"));
}

#[test]
fn a_refresh_storm_causes_one_token_request() {
    let r = storm::storm(&bench(), 200, 1).expect("storm");
    assert_eq!(r.errors, 0, "{:?}", r.first_error);
    assert_eq!(r.token_requests, [1], "one token request at expiry");
    assert_eq!(r.refresh_grants, [1]);
    assert_eq!(r.token_requests_without_expiry, 0);
    assert!(report::storm(&r).contains("| met |"), "{}", report::storm(&r));
}

fn check_fleet(store: &FleetStore) {
    let r = fleet(&bench(), store, 2, 1, 2, 2).expect("fleet");
    assert_eq!(r.errors, 0, "{:?}", r.first_error);
    assert_eq!(r.per_expiry(), [1], "one token request per expiry for the whole fleet");
    assert_eq!(r.rounds.len(), 2);
    assert_eq!(r.rounds[0].token_requests, 0, "the warm round refreshes nothing");
    assert!(r.rounds.iter().all(|x| x.calls == 2 * 2 * 2), "{:?}", r.rounds);
    assert!(report::fleet(&[r]).contains("| met |"));
}

#[test]
fn a_fleet_on_a_file_store_refreshes_once_per_expiry() {
    let dir = tempfile::tempdir().expect("tempdir");
    check_fleet(&FleetStore::File(dir.path().join("tokens.json")));
}

#[cfg(feature = "redis")]
#[test]
fn a_fleet_on_a_redis_store_refreshes_once_per_expiry() {
    let Some(server) = zoho_benches::fleet::RedisServer::start().expect("redis-server") else {
        assert!(std::env::var_os("CI").is_none(), "CI must run the Redis smoke test: install redis-server");
        eprintln!("SKIPPED: redis-server not found (apt-get install redis-server)");
        return;
    };
    check_fleet(&FleetStore::Redis { url: server.url.clone(), prefix: "smoke".into() });
}

#[allow(unreachable_pub)]
mod derived {
    include!(concat!(env!("OUT_DIR"), "/derived.rs"));
}
#[allow(unreachable_pub)]
mod hand {
    include!(concat!(env!("OUT_DIR"), "/hand.rs"));
}

/// The compile-cost crates: both variants compile (here, through `build.rs`) and send exactly
/// the same calls; the crate writer lays out a buildable crate. Timing them needs `cargo build`
/// with prebuilt dependencies and is left to `zoho-bench compile`.
#[test]
fn generated_endpoint_crates_compile_and_agree() {
    let (d, h) = (derived::describe(), hand::describe());
    assert_eq!(d.len(), 8);
    assert_eq!(d, h);
    assert_eq!(d[0].2, "/api/v3/portal/7/projects/a%20b%2Fc/r0");
    assert_eq!(d[0].3, [("page", "2".to_owned()), ("per_page", "50".to_owned())]);
    assert_eq!(d[2].2, "/api/v3/portal/7/projects/8/r2/100%25");
    let dir = tempfile::tempdir().expect("tempdir");
    for derived in [true, false] {
        let lib = compile::write_crate(&dir.path().join(derived.to_string()), 8, derived).expect("write");
        let text = std::fs::read_to_string(&lib).expect("read");
        assert_eq!(text.matches("pub struct E").count(), 8);
        assert_eq!(text.contains("derive("), derived);
        assert!(lib.parent().and_then(|p| p.parent()).expect("crate").join("Cargo.toml").exists());
    }
}

#[test]
fn sandbox_throughput_runs() {
    let r = sandbox_tput::sandbox_throughput(100, 4).expect("throughput");
    assert_eq!(r.errors, 0);
    assert_eq!(r.routes.len(), 7);
    assert!(report::sandbox(&r).contains("requests/s"));
}

#[test]
fn a_download_is_read_streamed_and_whole_in_child_processes() {
    let size = 1 << 20;
    let r = zoho_benches::download::download(&bench(), size, 1).expect("download");
    assert_eq!((r.streamed.len(), r.whole.len()), (1, 1));
    assert!(r.streamed.iter().chain(&r.whole).all(|s| s.bytes == size as u64), "{r:?}");
    // The whole body is held at once; the stream comes in several chunks.
    assert_eq!(r.whole[0].chunks, 1);
    assert!(r.streamed[0].chunks > 1, "{r:?}");
    assert!(zoho_benches::download::report(&r).contains("`Download` (streamed, chunks dropped)"));
}
