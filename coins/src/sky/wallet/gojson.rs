//! JSON text as Go's `encoding/json` writes it: `json.Marshal` (compact) and
//! `json.MarshalIndent(v, "", "    ")`, including Go's string escaping
//! (`<`, `>`, `&`, U+2028, U+2029 as `\u00XX`/`\u20XX`, and `\b`/`\f` as
//! `\u0008`/`\u000c`). Map keys come out sorted because the models use
//! `BTreeMap`, as Go sorts map keys.

use std::io;

use serde::Serialize;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter, PrettyFormatter};

/// Writes a string fragment, escaping what Go escapes beyond JSON's minimum.
fn write_go_fragment<W: ?Sized + io::Write>(w: &mut W, fragment: &str) -> io::Result<()> {
    let mut start = 0;
    for (i, c) in fragment.char_indices() {
        let esc: Option<&[u8]> = match c {
            '<' => Some(b"\\u003c"),
            '>' => Some(b"\\u003e"),
            '&' => Some(b"\\u0026"),
            '\u{2028}' => Some(b"\\u2028"),
            '\u{2029}' => Some(b"\\u2029"),
            _ => None,
        };
        if let Some(esc) = esc {
            w.write_all(&fragment.as_bytes()[start..i])?;
            w.write_all(esc)?;
            start = i + c.len_utf8();
        }
    }
    w.write_all(&fragment.as_bytes()[start..])
}

/// Writes a control-character escape the way Go does.
fn write_go_char_escape<W: ?Sized + io::Write>(w: &mut W, esc: CharEscape) -> io::Result<()> {
    match esc {
        CharEscape::Backspace => w.write_all(b"\\u0008"),
        CharEscape::FormFeed => w.write_all(b"\\u000c"),
        other => CompactFormatter.write_char_escape(w, other),
    }
}

/// `PrettyFormatter` with four-space indentation and Go's escaping.
struct GoPretty<'a>(PrettyFormatter<'a>);

/// `CompactFormatter` with Go's escaping.
struct GoCompact;

impl Formatter for GoCompact {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_go_fragment(w, fragment)
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        esc: CharEscape,
    ) -> io::Result<()> {
        write_go_char_escape(w, esc)
    }
}

impl Formatter for GoPretty<'_> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_go_fragment(w, fragment)
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        esc: CharEscape,
    ) -> io::Result<()> {
        write_go_char_escape(w, esc)
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// `json.MarshalIndent(v, "", "    ")`.
pub fn to_string_indent<T: Serialize + ?Sized>(v: &T) -> Result<String, serde_json::Error> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        GoPretty(PrettyFormatter::with_indent(b"    ")),
    );
    v.serialize(&mut ser)?;
    // The formatter only ever writes valid UTF-8 (input strings plus ASCII).
    String::from_utf8(out).map_err(|e| serde::ser::Error::custom(e.to_string()))
}

/// `json.Marshal(v)`.
pub fn to_vec_compact<T: Serialize + ?Sized>(v: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, GoCompact);
    v.serialize(&mut ser)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn escapes_like_go() {
        let mut m = BTreeMap::new();
        m.insert("b", "x<y>&z\u{2028}\u{8}\u{c}\n\"é");
        m.insert("a", "");
        let s = String::from_utf8(to_vec_compact(&m).unwrap()).unwrap();
        assert_eq!(
            s,
            r#"{"a":"","b":"x\u003cy\u003e\u0026z\u2028\u0008\u000c\n\"é"}"#
        );
    }

    #[test]
    fn indents_with_four_spaces_and_keeps_empty_arrays_inline() {
        #[derive(Serialize)]
        struct T {
            a: Vec<u8>,
            b: Option<Vec<u8>>,
            c: BTreeMap<String, String>,
        }
        let s = to_string_indent(&T {
            a: vec![],
            b: None,
            c: BTreeMap::from([("k".into(), "v".into())]),
        })
        .unwrap();
        assert_eq!(
            s,
            "{\n    \"a\": [],\n    \"b\": null,\n    \"c\": {\n        \"k\": \"v\"\n    }\n}"
        );
    }
}
