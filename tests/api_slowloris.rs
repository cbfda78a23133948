//! Hostile clients against `skyx serve`: slow headers (slowloris, one
//! header byte per second), silent connections and idle keep-alive
//! connections, in two rounds bounded in count and time. The server keeps
//! answering other clients, closes every hostile connection at its header
//! timeout (2 s here), and its memory stays flat: the first round grows it
//! by the buffers of all its connections at once (the allocator keeps
//! them), later identical rounds add little and less each time, where a
//! leak would add the same amount every round. Five rounds; twelve with
//! `SKYX_LONG=1`. The figures are printed (run
//! with `--nocapture` to see them).

#[path = "api_common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use common::{import, proc_status, Server};

/// `--http-header-timeout` of the server under test (seconds).
const HEADER_TIMEOUT: u64 = 2;
/// Hostile connections of each kind per round.
const SLOW: usize = 64;
const SILENT: usize = 128;
const KEEP_ALIVE: usize = 64;
/// Rounds of attack (`SKYX_LONG=1`: more).
fn round_count() -> usize {
    if std::env::var_os("SKYX_LONG").is_some() {
        12
    } else {
        5
    }
}
/// A hostile client stops waiting for the server to close after this.
const GIVE_UP: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Sends a request's headers one byte per second.
    Slow,
    /// Connects and sends nothing.
    Silent,
    /// Completes one request, then keeps the connection open and idle.
    KeepAlive,
}

#[derive(Debug)]
struct Outcome {
    kind: Kind,
    /// Whether the server closed the connection before the client gave up.
    closed_by_server: bool,
    /// From the connection (for keep-alive: from the answer) to the close.
    after: Duration,
}

/// Reads until the server closes (EOF or reset); `false` after `limit`.
async fn closed_within(s: &mut TcpStream, limit: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

async fn hostile(addr: SocketAddr, kind: Kind) -> Outcome {
    let started = Instant::now();
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let host = format!("Host: {addr}\r\n");
    match kind {
        Kind::Silent => {
            let closed = closed_within(&mut s, GIVE_UP).await;
            Outcome {
                kind,
                closed_by_server: closed,
                after: started.elapsed(),
            }
        }
        Kind::Slow => {
            let req = format!(
                "GET /api/v1/health HTTP/1.1\r\n{host}User-Agent: slow-client/1.0\r\n\
                 Accept: */*\r\nX-Padding: {}\r\n\r\n",
                "x".repeat(64)
            );
            let mut buf = [0u8; 4096];
            for byte in req.bytes() {
                if started.elapsed() > GIVE_UP {
                    break;
                }
                if s.write_all(&[byte]).await.is_err() {
                    return Outcome {
                        kind,
                        closed_by_server: true,
                        after: started.elapsed(),
                    };
                }
                let next = tokio::time::sleep(Duration::from_secs(1));
                tokio::pin!(next);
                loop {
                    tokio::select! {
                        _ = &mut next => break,
                        r = s.read(&mut buf) => match r {
                            Ok(0) | Err(_) => {
                                return Outcome { kind, closed_by_server: true, after: started.elapsed() };
                            }
                            Ok(_) => {}
                        },
                    }
                }
            }
            Outcome {
                kind,
                closed_by_server: false,
                after: started.elapsed(),
            }
        }
        Kind::KeepAlive => {
            let req = format!("GET /api/v1/health HTTP/1.1\r\n{host}\r\n");
            s.write_all(req.as_bytes()).await.expect("send");
            // Read the whole answer: headers, then Content-Length bytes.
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                let n = s.read(&mut buf).await.expect("answer");
                assert!(n > 0, "closed before answering");
                got.extend_from_slice(&buf[..n]);
                if answer_complete(&got) {
                    break;
                }
            }
            let answered = Instant::now();
            let closed = closed_within(&mut s, GIVE_UP).await;
            Outcome {
                kind,
                closed_by_server: closed,
                after: answered.elapsed(),
            }
        }
    }
}

/// Whether `got` holds a whole HTTP/1.1 answer with a Content-Length.
fn answer_complete(got: &[u8]) -> bool {
    let text = String::from_utf8_lossy(got);
    let Some(end) = text.find("\r\n\r\n") else {
        return false;
    };
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    let len = text[..end]
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .expect("content-length");
    got.len() >= end + 4 + len
}

/// One normal request on a new connection: its latency.
fn normal_request(client: &reqwest::blocking::Client, url: &str) -> Duration {
    let t = Instant::now();
    let r = client.get(url).send().expect("a normal client is answered");
    assert_eq!(r.status().as_u16(), 200);
    r.bytes().expect("body");
    t.elapsed()
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Figures of one round of attack.
struct Round {
    outcomes: Vec<Outcome>,
    latencies: Vec<Duration>,
    peak_rss_kb: u64,
}

/// Opens every hostile connection at once and, until they are all closed,
/// sends normal requests one after another and samples the memory.
fn attack(server: &Server, rt: &tokio::runtime::Runtime) -> Round {
    let addr: SocketAddr = server.http.parse().expect("address");
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(Mutex::new(0u64));
    let normal = {
        let done = done.clone();
        let peak = peak.clone();
        let client = reqwest::blocking::Client::builder()
            .pool_max_idle_per_host(0)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        let url = server.url("/api/v1/health");
        let pid = server.pid();
        std::thread::spawn(move || {
            let mut latencies = Vec::new();
            while !done.load(Ordering::SeqCst) {
                latencies.push(normal_request(&client, &url));
                let rss = proc_status(pid, "VmRSS");
                let mut p = peak.lock().expect("peak");
                *p = (*p).max(rss);
                drop(p);
                std::thread::sleep(Duration::from_millis(50));
            }
            latencies
        })
    };
    let kinds = std::iter::repeat_n(Kind::Slow, SLOW)
        .chain(std::iter::repeat_n(Kind::Silent, SILENT))
        .chain(std::iter::repeat_n(Kind::KeepAlive, KEEP_ALIVE));
    let outcomes = rt.block_on(async {
        let tasks: Vec<_> = kinds.map(|k| tokio::spawn(hostile(addr, k))).collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.expect("hostile client"));
        }
        out
    });
    done.store(true, Ordering::SeqCst);
    let latencies = normal.join().expect("normal client");
    let peak_rss_kb = *peak.lock().expect("peak");
    Round {
        outcomes,
        latencies,
        peak_rss_kb,
    }
}

fn report(round: usize, r: &mut Round, baseline: Duration) {
    for kind in [Kind::Slow, Kind::Silent, Kind::KeepAlive] {
        let mut times: Vec<Duration> = r
            .outcomes
            .iter()
            .filter(|o| o.kind == kind)
            .map(|o| o.after)
            .collect();
        let closed = r
            .outcomes
            .iter()
            .filter(|o| o.kind == kind && o.closed_by_server)
            .count();
        let opened = times.len();
        let med = median(&mut times);
        println!(
            "round {round} {kind:?}: opened {opened}, closed by the server {closed}, \
             time to close min {:.0} ms / median {:.0} ms / max {:.0} ms (header timeout {} s)",
            ms(times[0]),
            ms(med),
            ms(times[times.len() - 1]),
            HEADER_TIMEOUT
        );
    }
    let n = r.latencies.len();
    let mut lat = r.latencies.clone();
    let med = median(&mut lat);
    println!(
        "round {round} normal requests during the attack: {n}, all answered 200, \
         median latency {:.2} ms, max {:.2} ms; ratio to the median without attack {:.2}",
        ms(med),
        ms(lat[n - 1]),
        med.as_secs_f64() / baseline.as_secs_f64()
    );
}

#[test]
fn slow_and_idle_connections_are_closed_and_others_still_served() {
    let dir = import("blockchain-180-no-unconfirmed.db");
    let timeout = HEADER_TIMEOUT.to_string();
    let server = Server::start(
        dir.path(),
        &[
            "--http-header-timeout",
            &timeout,
            "--http-idle-timeout",
            "30",
        ],
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let client = reqwest::blocking::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let url = server.url("/api/v1/health");
    for _ in 0..20 {
        normal_request(&client, &url);
    }
    let mut quiet: Vec<Duration> = (0..40).map(|_| normal_request(&client, &url)).collect();
    let baseline = median(&mut quiet);
    let rss_before = server.proc_status("VmRSS");
    println!(
        "normal requests without attack: 40, median latency {:.2} ms; VmRSS {rss_before} kB",
        ms(baseline)
    );

    let mut rounds = Vec::new();
    for round in 1..=round_count() {
        let mut r = attack(&server, &rt);
        report(round, &mut r, baseline);
        let rss = server.proc_status("VmRSS");
        println!(
            "round {round} VmRSS: peak {} kB, after {rss} kB (ratio to before the attack {:.3})",
            r.peak_rss_kb,
            rss as f64 / rss_before as f64
        );
        rounds.push((r, rss));
    }

    let header = Duration::from_secs(HEADER_TIMEOUT);
    // The server's clock starts after the client's: a slow or silent
    // client cannot see its connection closed before the header timeout.
    // A keep-alive client measures from the end of the answer it read, a
    // little after the server sent it.
    let slack = Duration::from_millis(250);
    for (r, _) in &rounds {
        assert!(!r.latencies.is_empty(), "no normal request was made");
        for o in &r.outcomes {
            assert!(
                o.closed_by_server,
                "{:?} connection still open after {:?}",
                o.kind, o.after
            );
            let earliest = if o.kind == Kind::KeepAlive {
                header - slack
            } else {
                header
            };
            assert!(
                o.after >= earliest,
                "{:?} connection closed after {:?}, before the header timeout",
                o.kind,
                o.after
            );
        }
    }
    // Allocator noise moves single rounds by a few hundred kB: judge the
    // mean of the last two.
    let n = rounds.len();
    let first_growth = rounds[0].1.saturating_sub(rss_before);
    let last_growth = rounds[n - 1].1.saturating_sub(rounds[n - 3].1) / 2;
    let per_connection = (last_growth * 1024) / (SLOW + SILENT + KEEP_ALIVE) as u64;
    println!(
        "VmRSS growth: round 1 {first_growth} kB, rounds {} and {n} {last_growth} kB each \
         ({per_connection} bytes per hostile connection of a round); \
         after round {n} / before the attack {:.3}",
        n - 1,
        rounds[n - 1].1 as f64 / rss_before as f64
    );
    assert!(
        last_growth * 4 < first_growth,
        "memory still grows by {last_growth} kB a round after {n} rounds (round 1: {first_growth} kB)"
    );
}
