//! The listeners of `skyx serve` as a client sees them: the connection
//! cap makes extra clients wait (without spinning), an accept error (no
//! free file descriptor) pauses the accept loop instead of spinning a core,
//! SIGTERM lets an answer in progress finish and exits 0 (within the drain
//! bound when a client never finishes), `--http localhost:PORT` works, and
//! unsafe setups are refused at start.

#[path = "api_common/mod.rs"]
mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{import, Server};

/// Sends `GET path` on `s` with keep-alive and reads one whole answer.
fn get_on(s: &mut TcpStream, host: &str, path: &str) -> String {
    let req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n");
    s.write_all(req.as_bytes()).expect("send");
    read_answer(s)
}

/// Reads one HTTP/1.1 answer with a Content-Length.
fn read_answer(s: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = s.read(&mut buf).expect("read an answer");
        assert!(
            n > 0,
            "closed before answering: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .expect("content-length");
            if got.len() >= end + 4 + len {
                return text;
            }
        }
    }
}

/// CPU time (user + system) of a process in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = &stat[stat.rfind(')').expect("stat") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields[11].parse().expect("utime");
    let stime: u64 = fields[12].parse().expect("stime");
    utime + stime
}

/// Clock ticks per second (`getconf CLK_TCK`).
fn ticks_per_second() -> f64 {
    let out = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .expect("getconf runs");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("CLK_TCK")
}

/// Share of one core the process used over `window`.
fn cpu_share(pid: u32, window: Duration) -> f64 {
    let before = cpu_ticks(pid);
    let t = Instant::now();
    std::thread::sleep(window);
    let used = (cpu_ticks(pid) - before) as f64 / ticks_per_second();
    used / t.elapsed().as_secs_f64()
}

#[test]
fn extra_connections_wait_for_a_free_slot() {
    let dir = import("blockchain-180-no-unconfirmed.db");
    let server = Server::start(
        dir.path(),
        &["--http-max-connections", "3", "--http-header-timeout", "60"],
    );
    let host = server.http.clone();
    // Server::start's own probe may still hold a slot for a moment.
    std::thread::sleep(Duration::from_millis(300));
    let mut held: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut s = TcpStream::connect(&host).expect("connect");
            let answer = get_on(&mut s, &host, "/api/v1/health");
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
            s
        })
        .collect();
    let mut extra = TcpStream::connect(&host).expect("the backlog takes the connection");
    extra
        .write_all(format!("GET /api/v1/version HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes())
        .expect("send");
    extra
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    let share = cpu_share(server.pid(), Duration::from_secs(1));
    let mut buf = [0u8; 64];
    let waited = extra.read(&mut buf);
    assert!(
        matches!(&waited, Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "a fourth connection was served over a cap of 3: {waited:?}"
    );
    println!("cap 3 reached: CPU share of the server while a client waits {share:.3}");
    assert!(
        share < 0.3,
        "the server spins while at its cap: {share:.3} of a core"
    );
    let t = Instant::now();
    drop(held.pop());
    extra
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let answer = read_answer(&mut extra);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    println!(
        "the waiting client was served {:.0} ms after a slot freed",
        t.elapsed().as_secs_f64() * 1000.0
    );
}

#[test]
fn running_out_of_file_descriptors_does_not_spin() {
    let dir = import("blockchain-180-no-unconfirmed.db");
    // The shell lowers the open-file limit, then becomes skyx serve.
    let script = format!("ulimit -n 48 && exec {} \"$@\"", env!("CARGO_BIN_EXE_skyx"));
    let mut child = Command::new("sh")
        .args(["-c", &script, "sh", "serve", "--data-dir"])
        .arg(dir.path())
        .args(["--http", "127.0.0.1:0", "--http-header-timeout", "60"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sh runs");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
        &mut line,
    )
    .expect("addresses");
    let v: serde_json::Value = serde_json::from_str(&line).expect("json");
    let host = v["http"].as_str().expect("http").to_string();
    let pid = child.id();
    // More connections than descriptors left: accept fails with EMFILE
    // while they wait in the backlog.
    let open: Vec<TcpStream> = (0..80)
        .map(|_| TcpStream::connect(&host).expect("connect"))
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("fd dir")
        .count();
    let share = cpu_share(pid, Duration::from_secs(3));
    println!(
        "open-file limit 48, {} connections waiting, server holds {fds} descriptors: \
         CPU share {share:.3} of a core",
        open.len()
    );
    assert!(fds >= 44, "the limit was not reached ({fds} descriptors)");
    assert!(share < 0.3, "accept errors spin: {share:.3} of a core");
    drop(open);
    // Once descriptors are free again the server answers.
    let deadline = Instant::now() + Duration::from_secs(30);
    let answered = loop {
        let r = TcpStream::connect(&host).map(|mut s| {
            s.set_read_timeout(Some(Duration::from_secs(5))).ok();
            get_on(&mut s, &host, "/api/v1/health")
        });
        match r {
            Ok(a) => break a,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
            Err(e) => panic!("not answering after the descriptors freed: {e}"),
        }
    };
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
    let _ = child.kill();
    let _ = child.wait();
}

/// Sends the headers and the first half of a POST whose body is not
/// complete yet; returns the stream and the rest of the body.
fn start_post(host: &str) -> (TcpStream, Vec<u8>) {
    let body = br#"{"address": "2THDupTBEo7UqB6dsVizkYUvkKq82Qn4gjf"}"#.to_vec();
    let mut s = TcpStream::connect(host).expect("connect");
    let head = format!(
        "POST /api/v2/address/verify HTTP/1.1\r\nHost: {host}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).expect("send");
    let (first, rest) = body.split_at(body.len() / 2);
    s.write_all(first).expect("send");
    (s, rest.to_vec())
}

#[test]
fn sigterm_lets_the_request_in_progress_finish_and_exits_0() {
    let dir = import("blockchain-180-no-unconfirmed.db");
    let mut server = Server::start(dir.path(), &[]);
    let host = server.http.clone();
    let (mut s, rest) = start_post(&host);
    // The request is in progress once its handler waits for the body.
    std::thread::sleep(Duration::from_millis(300));
    server.signal("TERM");
    // New connections are refused once the listener is closed.
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(&host).is_ok() {
        assert!(Instant::now() < deadline, "still accepting after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        server.wait_exit(Duration::from_millis(500)).is_none(),
        "exited with a request in progress"
    );
    s.write_all(&rest).expect("send the rest");
    s.set_read_timeout(Some(Duration::from_secs(20))).ok();
    let answer = read_answer(&mut s);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"version\": 0"), "{answer}");
    let status = server
        .wait_exit(Duration::from_secs(30))
        .expect("exits after the drain");
    assert_eq!(status.code(), Some(0), "{status:?}");
}

#[test]
fn the_drain_is_bounded_and_sigint_exits_0_too() {
    let dir = import("blockchain-180-no-unconfirmed.db");
    let mut server = Server::start(dir.path(), &["--shutdown-timeout", "2"]);
    let host = server.http.clone();
    // A client that never finishes its request.
    let (_s, _rest) = start_post(&host);
    std::thread::sleep(Duration::from_millis(300));
    let t = Instant::now();
    server.signal("INT");
    let status = server
        .wait_exit(Duration::from_secs(30))
        .expect("exits within the drain bound");
    let took = t.elapsed();
    println!(
        "SIGINT with a request that never completes: exit after {:.0} ms (drain bound 2 s)",
        took.as_secs_f64() * 1000.0
    );
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert!(
        took >= Duration::from_secs(2),
        "did not wait for the request"
    );
}

#[test]
fn http_accepts_a_host_name_resolving_to_loopback() {
    let dir = import("blockchain-180-no-unconfirmed.db");
    let server = Server::start_exact(dir.path(), &["--http", "localhost:0"]);
    let addr: std::net::SocketAddr = server.http.parse().expect("a socket address");
    assert!(addr.ip().is_loopback(), "{addr}");
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut s = loop {
        match TcpStream::connect(addr) {
            Ok(s) => break s,
            Err(e) if Instant::now() > deadline => panic!("no answer: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    let host = format!("localhost:{}", addr.port());
    let answer = get_on(&mut s, &host, "/api/v1/version");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// Runs `skyx serve` expecting a refusal at start; returns its stderr.
fn refused(dir: &std::path::Path, args: &[&str]) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_skyx"))
        .args(["serve", "--data-dir"])
        .arg(dir)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("skyx runs");
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("skyx serve {args:?} started instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("stderr");
    assert!(!status.success(), "{args:?}: {err}");
    err
}

#[test]
fn unprotected_public_listeners_are_refused() {
    let dir = import("blockchain-180-no-unconfirmed.db");
    let err = refused(
        dir.path(),
        &[
            "--http",
            "0.0.0.0:0",
            "--insecure-http",
            "--disable-header-check",
        ],
    );
    assert!(
        err.contains("--disable-header-check") && err.contains("CSRF"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one clear line: {err}");
    let err = refused(
        dir.path(),
        &[
            "--https",
            "0.0.0.0:0",
            "--tls-cert",
            "/nonexistent/cert.pem",
            "--tls-key",
            "/nonexistent/key.pem",
            "--disable-header-check",
        ],
    );
    assert!(err.contains("injectTransaction"), "{err}");
    let err = refused(dir.path(), &["--http", "0.0.0.0:0"]);
    assert!(err.contains("--insecure-http"), "{err}");
    let err = refused(dir.path(), &["--http", "no such host:1"]);
    assert!(
        err.contains("HOST:PORT") || err.contains("host name"),
        "{err}"
    );
    // With CSRF on, the same public listener is allowed.
    let mut server = Server::start_exact(
        dir.path(),
        &[
            "--http",
            "0.0.0.0:0",
            "--insecure-http",
            "--disable-header-check",
            "--csrf",
        ],
    );
    assert!(server.http.starts_with("0.0.0.0:"), "{}", server.http);
    server.signal("TERM");
    let status = server.wait_exit(Duration::from_secs(30)).expect("exits");
    assert_eq!(status.code(), Some(0));
}

/// Reads until the server closes the connection; returns what it sent.
fn read_to_close(s: &mut TcpStream) -> String {
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("not closed by the server: {e}"),
        }
    }
    String::from_utf8_lossy(&got).to_string()
}

#[test]
fn a_stalled_or_crawling_request_body_is_cut_off() {
    let dir = import("blockchain-180-no-unconfirmed.db");
    let server = Server::start(
        dir.path(),
        &["--http-header-timeout", "2", "--http-request-timeout", "4"],
    );
    let host = server.http.clone();

    // Half a body, then nothing: 408 at the header (and body) timeout.
    let t = Instant::now();
    let (mut s, _rest) = start_post(&host);
    let answer = read_to_close(&mut s);
    let stalled = t.elapsed();
    println!(
        "stalled body: {:?} after {stalled:?}",
        answer.lines().next()
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("request body not received in time"),
        "{answer}"
    );
    assert!(stalled >= Duration::from_secs(2), "cut before the timeout");

    // A byte every second keeps the body timeout at bay but not the
    // whole-request timeout: 408 in the route's (v2) error format.
    let t = Instant::now();
    let (mut s, rest) = start_post(&host);
    let crawler = {
        let mut s = s.try_clone().expect("clone");
        std::thread::spawn(move || {
            for b in rest {
                std::thread::sleep(Duration::from_secs(1));
                if s.write_all(&[b]).is_err() {
                    return;
                }
            }
        })
    };
    let answer = read_to_close(&mut s);
    let crawled = t.elapsed();
    println!(
        "crawling body: {:?} after {crawled:?}",
        answer.lines().next()
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\": 408"), "{answer}");
    assert!(crawled >= Duration::from_secs(4), "cut before the timeout");
    drop(s);
    crawler.join().expect("crawler");
}

#[test]
fn idle_connections_close_at_the_idle_timeout_over_http1_and_http2() {
    let dir = import("blockchain-180-no-unconfirmed.db");
    // The header timeout is far longer: what closes them is the idle one.
    let server = Server::start(
        dir.path(),
        &["--http-idle-timeout", "1", "--http-header-timeout", "60"],
    );
    let host = server.http.clone();

    let mut s = TcpStream::connect(&host).expect("connect");
    let answer = get_on(&mut s, &host, "/api/v1/health");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let t = Instant::now();
    assert_eq!(read_to_close(&mut s), "");
    let http1 = t.elapsed();

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let http2 = rt.block_on(async {
        let tcp = tokio::net::TcpStream::connect(&host)
            .await
            .expect("connect");
        let (mut client, conn) = h2::client::handshake(tcp).await.expect("h2 handshake");
        let conn = tokio::spawn(conn);
        let req = axum::http::Request::get(format!("http://{host}/api/v1/health"))
            .body(())
            .expect("request");
        let (answer, _) = client.send_request(req, true).expect("send");
        let answer = answer.await.expect("answer");
        assert_eq!(answer.status().as_u16(), 200);
        let mut body = answer.into_body();
        while let Some(chunk) = body.data().await {
            chunk.expect("body");
        }
        drop(body);
        let t = Instant::now();
        // The client keeps its handle: only the server can end the connection.
        let ended = tokio::time::timeout(Duration::from_secs(30), conn).await;
        assert!(ended.is_ok(), "HTTP/2 connection still open after 30 s");
        drop(client);
        t.elapsed()
    });
    println!("idle timeout 1 s: HTTP/1.1 closed after {http1:?}, HTTP/2 after {http2:?}");
    let slack = Duration::from_millis(250);
    assert!(http1 + slack >= Duration::from_secs(1), "{http1:?}");
    assert!(http2 + slack >= Duration::from_secs(1), "{http2:?}");
}

#[test]
fn a_client_that_stops_reading_is_dropped_at_the_request_timeout() {
    let dir = import("blockchain-180-no-unconfirmed.db");
    let server = Server::start(dir.path(), &["--http-request-timeout", "3"]);
    let host = server.http.clone();
    // Twenty pipelined requests for ~0.5 MB answers each, never read: more
    // than the socket buffers hold, so the server's writes wait.
    let path = "/api/v1/blocks?start=0&end=180&verbose=1";
    let mut s = TcpStream::connect(&host).expect("connect");
    let one = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n");
    s.write_all(one.repeat(20).as_bytes()).expect("send");
    std::thread::sleep(Duration::from_secs(6));
    // Reading now drains what the buffers held, then meets the close; a
    // server still waiting to write would send all twenty answers and keep
    // the connection open.
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut received = 0usize;
    let mut buf = vec![0u8; 64 * 1024];
    let closed = loop {
        match s.read(&mut buf) {
            Ok(0) => break "closed",
            Ok(n) => received += n,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break "reset",
            Err(e) => panic!("still open after {received} bytes: {e}"),
        }
    };
    let mut c = TcpStream::connect(&host).expect("connect");
    let full = get_on(&mut c, &host, path).len();
    println!(
        "a client that stopped reading: {closed} by the server after {received} of {} bytes",
        20 * full
    );
    assert!(received < 20 * full, "every answer was sent");
}
