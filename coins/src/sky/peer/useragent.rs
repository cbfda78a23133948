//! Skycoin user agents (`src/util/useragent`): `NAME:VERSION(REMARK)`, at most
//! 256 bytes, `VERSION` a semantic version, the remark optional.
//!
//! A received user agent is first sanitized (every byte that is not printable
//! ASCII, and every character of `<>&"'#@|{}` and the backquote, is removed)
//! and then parsed, as the reference does when it reads an introduction.

use std::fmt;

/// Longest user agent, in bytes.
pub const MAX_USER_AGENT_LEN: usize = 256;

/// Printable ASCII characters a user agent may not contain.
const ILLEGAL: &[u8] = b"<>&\"'#@|{}`";

/// Why a user agent string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserAgentError {
    /// The string is empty.
    #[error("User agent is an empty string")]
    Empty,
    /// The string is longer than [`MAX_USER_AGENT_LEN`].
    #[error("User agent is too long")]
    TooLong,
    /// The string holds a forbidden character.
    #[error("User agent has invalid character(s)")]
    IllegalChars,
    /// The string is not `NAME:VERSION(REMARK)`.
    #[error("User agent is malformed")]
    Malformed,
    /// The version is not a semantic version.
    #[error("User agent version is not a valid semver")]
    InvalidVersion,
}

impl UserAgentError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            UserAgentError::Empty => "user_agent_empty",
            UserAgentError::TooLong => "user_agent_too_long",
            UserAgentError::IllegalChars => "user_agent_illegal_chars",
            UserAgentError::Malformed => "user_agent_malformed",
            UserAgentError::InvalidVersion => "user_agent_version",
        }
    }
}

/// A parsed user agent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct UserAgent {
    /// Coin or program name (`A-Za-z0-9-_+`).
    pub coin: String,
    /// Semantic version.
    pub version: String,
    /// Free remark, empty when absent.
    pub remark: String,
}

fn is_legal(b: u8) -> bool {
    (0x20..=0x7e).contains(&b) && !ILLEGAL.contains(&b)
}

/// Removes every byte a user agent may not hold (`useragent.Sanitize`).
pub fn sanitize(raw: &[u8]) -> String {
    // Only printable ASCII survives, so the result is valid UTF-8.
    raw.iter()
        .copied()
        .filter(|b| is_legal(*b))
        .map(char::from)
        .collect()
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+')
}

fn is_version_tail_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'+')
}

fn is_remark_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-_+;:!$%,.=?~ ".contains(&b)
}

/// Whether `s` has the shape `[0-9]+\.[0-9]+\.[0-9][A-Za-z0-9\-.+]*`.
fn version_shape(s: &[u8]) -> bool {
    let digits = |from: usize| {
        s.get(from..)
            .map_or(0, |t| t.iter().take_while(|b| b.is_ascii_digit()).count())
    };
    let major = digits(0);
    if major == 0 || s.get(major) != Some(&b'.') {
        return false;
    }
    let minor_at = major + 1;
    let minor = digits(minor_at);
    if minor == 0 || s.get(minor_at + minor) != Some(&b'.') {
        return false;
    }
    let patch_at = minor_at + minor + 1;
    matches!(s.get(patch_at), Some(b) if b.is_ascii_digit())
        && s[patch_at + 1..].iter().all(|b| is_version_tail_char(*b))
}

fn numeric_no_leading_zero(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit())
        && !(s.len() > 1 && s.starts_with('0'))
        && s.parse::<u64>().is_ok()
}

fn semver_ident(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Whether `v` is a semantic version as the reference's semver parser
/// accepts it: `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`, numbers without
/// leading zeros that fit in 64 bits, dot-separated non-empty identifiers.
pub fn is_semver(v: &str) -> bool {
    let mut parts = v.splitn(3, '.');
    let (Some(major), Some(minor), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    if !numeric_no_leading_zero(major) || !numeric_no_leading_zero(minor) {
        return false;
    }
    let (rest, build) = match rest.find('+') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (patch, pre) = match rest.find('-') {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    if !numeric_no_leading_zero(patch) {
        return false;
    }
    if let Some(pre) = pre {
        for id in pre.split('.') {
            let numeric = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
            if numeric && !numeric_no_leading_zero(id) {
                return false;
            }
            if !semver_ident(id) {
                return false;
            }
        }
    }
    if let Some(build) = build {
        if !build.split('.').all(semver_ident) {
            return false;
        }
    }
    true
}

impl UserAgent {
    /// Parses a user agent string (`useragent.Parse`); it is not sanitized first.
    pub fn parse(s: &str) -> Result<UserAgent, UserAgentError> {
        if s.is_empty() {
            return Err(UserAgentError::Empty);
        }
        if s.len() > MAX_USER_AGENT_LEN {
            return Err(UserAgentError::TooLong);
        }
        if !s.bytes().all(is_legal) {
            return Err(UserAgentError::IllegalChars);
        }
        let (coin, rest) = s.split_once(':').ok_or(UserAgentError::Malformed)?;
        if coin.is_empty() || !coin.bytes().all(is_name_char) {
            return Err(UserAgentError::Malformed);
        }
        let (version, remark) = match rest.find('(') {
            Some(i) => {
                let remark = rest[i + 1..]
                    .strip_suffix(')')
                    .ok_or(UserAgentError::Malformed)?;
                if remark.is_empty() || !remark.bytes().all(is_remark_char) {
                    return Err(UserAgentError::Malformed);
                }
                (&rest[..i], remark)
            }
            None => (rest, ""),
        };
        if !version_shape(version.as_bytes()) {
            return Err(UserAgentError::Malformed);
        }
        if !is_semver(version) {
            return Err(UserAgentError::InvalidVersion);
        }
        Ok(UserAgent {
            coin: coin.to_string(),
            version: version.to_string(),
            remark: remark.to_string(),
        })
    }

    /// Sanitizes received bytes, then parses them (what an introduction gets).
    pub fn parse_received(raw: &[u8]) -> Result<UserAgent, UserAgentError> {
        UserAgent::parse(&sanitize(raw))
    }
}

impl fmt::Display for UserAgent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.coin, self.version)?;
        if !self.remark.is_empty() {
            write!(f, "({})", self.remark)?;
        }
        Ok(())
    }
}
