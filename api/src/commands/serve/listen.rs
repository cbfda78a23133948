//! Where `serve` listens. Addresses as written on the command line: a
//! socket address (`127.0.0.1:6420`, `[::1]:6420`) or a host name and
//! port (`localhost:6420`), resolved when the server starts; the rules on
//! what may listen where; the names the Host-header check accepts.

use std::fmt;
use std::net::{SocketAddr, ToSocketAddrs};
use std::str::FromStr;

use anyhow::{anyhow, bail, Context};
use tokio::net::{TcpListener, TcpSocket};

use super::ServeArgs;

/// The plain HTTP address when neither `--http` nor `--https` is given.
pub const DEFAULT_HTTP: &str = "127.0.0.1:6420";

/// A `host:port` to listen on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenAddr {
    host: String,
    port: u16,
}

impl FromStr for ListenAddr {
    type Err = String;

    fn from_str(s: &str) -> Result<ListenAddr, String> {
        if let Ok(addr) = s.parse::<SocketAddr>() {
            return Ok(ListenAddr {
                host: addr.ip().to_string(),
                port: addr.port(),
            });
        }
        let Some((host, port)) = s.rsplit_once(':') else {
            return Err(format!("{s:?} is not HOST:PORT"));
        };
        let port = port
            .parse::<u16>()
            .map_err(|_| format!("{s:?} has no valid port (0-65535)"))?;
        let name_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '.';
        if host.is_empty() || !host.chars().all(name_char) {
            return Err(format!("{s:?} has no valid host name"));
        }
        Ok(ListenAddr {
            host: host.to_string(),
            port,
        })
    }
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl ListenAddr {
    /// The address as given, for the Host-header check when it is a name
    /// (`None` for a plain IP address).
    pub fn host_name(&self) -> Option<&str> {
        match self.host.parse::<std::net::IpAddr>() {
            Ok(_) => None,
            Err(_) => Some(&self.host),
        }
    }

    /// The socket address to bind: the first one the name resolves to, as
    /// other servers do for `localhost`.
    pub fn resolve(&self) -> anyhow::Result<SocketAddr> {
        let mut addrs = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .with_context(|| format!("cannot resolve {self}"))?;
        match addrs.next() {
            Some(a) => Ok(a),
            None => bail!("{self} resolves to no address"),
        }
    }
}

/// `host:port` names a listener answers to.
fn host_names(addr: &SocketAddr) -> Vec<String> {
    let port = addr.port();
    let mut v = vec![addr.to_string()];
    if addr.ip().is_loopback() || addr.ip().is_unspecified() {
        v.push(format!("localhost:{port}"));
        v.push(format!("127.0.0.1:{port}"));
        v.push(format!("[::1]:{port}"));
    }
    v
}

/// Where `serve` listens, resolved before anything is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Plain HTTP: the address as given and what it resolved to.
    pub http: Option<(ListenAddr, SocketAddr)>,
    /// HTTPS, likewise.
    pub https: Option<(ListenAddr, SocketAddr)>,
}

impl Plan {
    /// Resolves the listen addresses and refuses unsafe setups.
    pub fn new(args: &ServeArgs) -> anyhow::Result<Plan> {
        let http = match (&args.http, &args.https) {
            (Some(a), _) => Some(a.clone()),
            (None, None) => Some(DEFAULT_HTTP.parse().map_err(|e: String| anyhow!(e))?),
            (None, Some(_)) => None,
        };
        let resolve = |a: ListenAddr| -> anyhow::Result<(ListenAddr, SocketAddr)> {
            let addr = a.resolve()?;
            Ok((a, addr))
        };
        let plan = Plan {
            http: http.map(resolve).transpose()?,
            https: args.https.clone().map(resolve).transpose()?,
        };
        plan.check(args)?;
        Ok(plan)
    }

    /// Plain HTTP only on loopback unless `--insecure-http`; no listener
    /// off loopback with both the Host-header check and CSRF off.
    fn check(&self, args: &ServeArgs) -> anyhow::Result<()> {
        if let Some((given, addr)) = &self.http {
            if !addr.ip().is_loopback() && !args.insecure_http {
                bail!(
                    "refusing plain HTTP on non-loopback address {given}: use --https, or --insecure-http to allow it"
                );
            }
        }
        let unprotected = args.disable_header_check && !args.csrf;
        for (given, addr) in self.http.iter().chain(self.https.iter()) {
            if unprotected && !addr.ip().is_loopback() {
                bail!(
                    "refusing to serve on non-loopback address {given} with both the Host-header check \
                     (--disable-header-check) and CSRF off: nothing would protect state-changing requests \
                     such as /api/v1/injectTransaction; add --csrf or drop --disable-header-check"
                );
            }
        }
        Ok(())
    }
}

/// Binds a planned listener with room for `backlog` connections waiting
/// to be accepted (the standard library's default, 128, drops the SYNs of
/// a burst of clients).
pub fn bind(
    planned: &Option<(ListenAddr, SocketAddr)>,
    backlog: u32,
) -> anyhow::Result<Option<(TcpListener, SocketAddr)>> {
    let Some((given, addr)) = planned else {
        return Ok(None);
    };
    let listen = || -> std::io::Result<TcpListener> {
        let socket = match addr {
            SocketAddr::V4(_) => TcpSocket::new_v4()?,
            SocketAddr::V6(_) => TcpSocket::new_v6()?,
        };
        // As every server does: rebind at once after a restart.
        socket.set_reuseaddr(true)?;
        socket.bind(*addr)?;
        socket.listen(backlog)
    };
    let listener = listen().with_context(|| format!("cannot listen on {given}"))?;
    let local = listener.local_addr()?;
    Ok(Some((listener, local)))
}

/// The `host:port` values the Host-header check accepts for a listener.
pub fn allowed_names(
    planned: &Option<(ListenAddr, SocketAddr)>,
    bound: Option<SocketAddr>,
) -> Vec<String> {
    let Some(bound) = bound else {
        return Vec::new();
    };
    let mut names = host_names(&bound);
    if let Some(name) = planned.as_ref().and_then(|(given, _)| given.host_name()) {
        names.push(format!("{name}:{}", bound.port()));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_socket_addresses_and_names() {
        let a: ListenAddr = "127.0.0.1:6420".parse().expect("ip");
        assert_eq!(a.to_string(), "127.0.0.1:6420");
        assert_eq!(a.host_name(), None);
        let a: ListenAddr = "[::1]:0".parse().expect("ipv6");
        assert_eq!(a.to_string(), "[::1]:0");
        let a: ListenAddr = "localhost:6420".parse().expect("name");
        assert_eq!(a.host_name(), Some("localhost"));
        for bad in [
            "localhost",
            ":6420",
            "localhost:65536",
            "local host:1",
            "a:b",
            "",
        ] {
            assert!(bad.parse::<ListenAddr>().is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn localhost_resolves_to_loopback() {
        let a: ListenAddr = "localhost:0".parse().expect("name");
        let addr = a.resolve().expect("resolves");
        assert!(addr.ip().is_loopback(), "{addr}");
    }

    /// `skyx serve --data-dir d ARGS…` as parsed by the command line.
    fn args(extra: &[&str]) -> ServeArgs {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            serve: ServeArgs,
        }
        let argv = ["serve", "--data-dir", "d"].iter().chain(extra);
        Cli::try_parse_from(argv).expect("arguments").serve
    }

    fn plan(extra: &[&str]) -> Result<Plan, String> {
        Plan::new(&args(extra)).map_err(|e| format!("{e:#}"))
    }

    const TLS: [&str; 4] = ["--tls-cert", "c.pem", "--tls-key", "k.pem"];

    #[test]
    fn plain_http_defaults_to_loopback_6420_unless_https_is_given() {
        let p = plan(&[]).expect("default");
        assert_eq!(
            p.http.expect("http").1,
            "127.0.0.1:6420".parse().expect("addr")
        );
        assert!(p.https.is_none());

        let https_only = [&["--https", "127.0.0.1:0"][..], &TLS].concat();
        let p = plan(&https_only).expect("https alone");
        assert!(p.http.is_none(), "--https alone opened plain HTTP");
        assert!(p.https.is_some());

        let both = [
            &["--https", "127.0.0.1:0", "--http", "localhost:0"][..],
            &TLS,
        ]
        .concat();
        let p = plan(&both).expect("both");
        assert!(p.http.expect("http").1.ip().is_loopback());
    }

    #[test]
    fn unsafe_listeners_are_refused() {
        let e = plan(&["--http", "0.0.0.0:6420"]).expect_err("public plain HTTP");
        assert!(e.contains("--insecure-http"), "{e}");
        plan(&["--http", "0.0.0.0:6420", "--insecure-http"]).expect("allowed when asked");

        let open = [
            "--http",
            "0.0.0.0:6420",
            "--insecure-http",
            "--disable-header-check",
        ];
        let e = plan(&open).expect_err("no header check, no CSRF");
        assert!(e.contains("injectTransaction"), "{e}");
        plan(&[&open[..], &["--csrf"]].concat()).expect("CSRF on");

        let https = [
            &["--https", "0.0.0.0:443", "--disable-header-check"][..],
            &TLS,
        ]
        .concat();
        assert!(plan(&https).is_err(), "public HTTPS without any protection");
        // On loopback the header check may be off.
        plan(&["--http", "127.0.0.1:0", "--disable-header-check"]).expect("loopback");
    }

    #[test]
    fn the_host_check_accepts_the_given_name() {
        let given: ListenAddr = "localhost:0".parse().expect("name");
        let bound: SocketAddr = "127.0.0.1:8123".parse().expect("addr");
        let names = allowed_names(&Some((given, bound)), Some(bound));
        assert!(names.contains(&"localhost:8123".to_string()), "{names:?}");
        assert!(names.contains(&"127.0.0.1:8123".to_string()), "{names:?}");
        assert!(allowed_names(&None, None).is_empty());
    }
}
