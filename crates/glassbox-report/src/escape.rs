//! HTML escaping and base64: the two encodings every user-provided string and image passes
//! through before it reaches the page.

/// Escapes `&`, `<`, `>`, `"` and `'` so that `text` is inert both as element content and inside
/// a quoted attribute value.
///
/// Every string the report did not write itself (feature names, file names, column names,
/// titles, captions) goes through this function; the report never emits user text raw.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // NUL is not allowed in HTML text; the replacement character keeps the position.
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 (RFC 4648, with `=` padding) of `bytes`, for `data:` URIs.
pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextet = |shift: u32| ALPHABET[((n >> shift) & 63) as usize] as char;
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_all_five_characters() {
        assert_eq!(
            escape_html(r#"<script>alert("x&y")</script> it's"#),
            "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt; it&#39;s"
        );
    }

    #[test]
    fn hostile_strings_contain_no_markup_after_escaping() {
        let hostile = [
            "<img src=x onerror=alert(1)>",
            "\"><svg onload=alert(1)>",
            "' onmouseover='alert(1)",
            "</title><script>alert(1)</script>",
            "&lt;already escaped&gt;",
            "<!-- comment --> ]]> <![CDATA[x]]>",
            "a\0b",
        ];
        for h in hostile {
            let e = escape_html(h);
            for bad in ['<', '>', '"', '\'', '\0'] {
                assert!(!e.contains(bad), "{h:?} -> {e:?} still contains {bad:?}");
            }
            // Every `&` starts one of the entities written here.
            for (i, _) in e.match_indices('&') {
                let rest = &e[i..];
                assert!(
                    ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                        .iter()
                        .any(|ent| rest.starts_with(ent)),
                    "{h:?} -> {e:?}: stray & at {i}"
                );
            }
        }
        // Escaping is not idempotent by design: escaped text shows literally.
        assert_eq!(escape_html("&lt;"), "&amp;lt;");
    }

    #[test]
    fn plain_and_unicode_text_is_unchanged() {
        let s = "Weight (g) · R² — Schmelze µ 温度";
        assert_eq!(escape_html(s), s);
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        // RFC 4648, section 10.
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain:?}");
        }
        // Every byte value round-trips through a decoder written independently here.
        let all: Vec<u8> = (0..=255u8).collect();
        let enc = base64(&all);
        let mut bits = 0u32;
        let mut n_bits = 0;
        let mut decoded = Vec::new();
        for c in enc.bytes().filter(|&c| c != b'=') {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                _ => panic!("bad base64 character {c}"),
            };
            bits = (bits << 6) | u32::from(v);
            n_bits += 6;
            if n_bits >= 8 {
                n_bits -= 8;
                decoded.push((bits >> n_bits) as u8);
                bits &= (1 << n_bits) - 1;
            }
        }
        assert_eq!(decoded, all);
    }
}
