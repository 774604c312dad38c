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
    // The port is free when asked for, but another listener or connection may take it before
    // redis-server binds it: then redis-server exits, and the next attempt takes another port.
    for _ in 0..5 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap_or_else(|e| panic!("no free loopback port for redis-server: {e}"))
            .port();
        let spawned = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(c) => c,
            Err(_) if std::env::var_os("CI").is_none() => {
                eprintln!("SKIPPED: redis-server not found (apt-get install redis-server)");
                return None;
            }
            Err(e) => panic!("CI must run the Redis tests, but redis-server could not start: {e}"),
        };
        let mut server = RedisServer { child, port };
        // Bounded wait until it answers PING (a state, not time): whatever else listens on the
        // port does not answer +PONG, and a redis-server that could not bind exits.
        for _ in 0..3000 {
            if matches!(server.child.try_wait(), Ok(Some(_))) {
                break;
            }
            if answers_ping(port) {
                return Some(server);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        if matches!(server.child.try_wait(), Ok(None)) {
            panic!("redis-server did not answer PING on port {port}");
        }
    }
    panic!("redis-server could not bind a free port in 5 attempts");
}

/// Whether a Redis server on `port` answers `PING` with `+PONG`.
fn answers_ping(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    // A poll, not a bound: a late answer is asked for again.
    let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
    let mut buf = [0u8; 7];
    s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}
