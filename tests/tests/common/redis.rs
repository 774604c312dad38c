//! A throwaway `redis-server` for tests: started from `PATH` on a free loopback
//! port without persistence, stopped on drop. Without the binary, tests print one `SKIPPED`
//! line to stderr and pass, unless `CI` is set, where they fail: CI must run them. Any other
//! failure to start one (no free port, a server that does not listen) fails the test always.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `redis-server`.
pub(crate) struct RedisServer {
    child: Child,
    port: u16,
}

impl RedisServer {
    /// Its URL.
    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts one, or returns `None` (after printing why to stderr) when the binary is missing
/// outside CI.
pub(crate) fn start() -> Option<RedisServer> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap_or_else(|e| panic!("no free loopback port for redis-server: {e}"))
        .port();
    let spawned = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn();
    let child = match spawned {
        Ok(c) => c,
        Err(_) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: redis-server not found (apt-get install redis-server)");
            return None;
        }
        Err(e) => panic!("CI must run the Redis tests, but redis-server could not start: {e}"),
    };
    let server = RedisServer { child, port };
    // Bounded wait for the child to listen (a state, not time).
    for _ in 0..3000 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(server);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("redis-server did not start listening on port {port}");
}
