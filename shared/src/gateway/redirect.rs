//! The trailing-slash redirect's target, and only ever a plain absolute path on this host.
//!
//! A browser resolves `Location` with WHATWG URL parsing, which reads `\` as `/` and drops
//! tabs and newlines anywhere: `/\evil.example` and `/<TAB>/evil.example` both become
//! `//evil.example`, another host. So the target is built only from characters RFC 3986
//! allows in a path as they are (letters, digits, `-._~!$&'()*+,;=:@`, `/` and valid
//! percent-escapes), with no dot segments and no escaped `/` or `\` (something that
//! decodes before it resolves would see `//` or `/\` again); anything else is refused,
//! and the gateway answers 404.

/// Where `path` (which ends in `/`) and `query` redirect to: the path without its
/// trailing slashes and with one leading slash, or `None` when that cannot be a plain
/// absolute path on this host.
pub fn trailing_slash_location(path: &str, query: Option<&str>) -> Option<String> {
    if !path.starts_with('/') {
        return None;
    }
    let trimmed = path.trim_matches('/');
    if !trimmed.bytes().all(is_path_byte) || !escapes_are_plain(trimmed) {
        return None;
    }
    if trimmed.split('/').any(is_dot_segment) {
        return None;
    }
    let mut location = format!("/{trimmed}");
    if let Some(q) = query {
        // After `?` nothing changes the host; still only visible ASCII, and no `\`.
        if !q.bytes().all(|b| b.is_ascii_graphic() && b != b'\\' && b != b'#') {
            return None;
        }
        location.push('?');
        location.push_str(q);
    }
    Some(location)
}

fn is_path_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%".contains(&b)
}

/// Every `%` starts a two-digit escape, and none escapes `/` or `\`.
fn escapes_are_plain(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3).filter(|e| e.bytes().all(|b| b.is_ascii_hexdigit()));
            match hex.map(|e| u8::from_str_radix(e, 16)) {
                Some(Ok(b'/' | b'\\')) | Some(Err(_)) | None => return false,
                Some(Ok(_)) => i += 3,
            }
        } else {
            i += 1;
        }
    }
    true
}

fn is_dot_segment(segment: &str) -> bool {
    let s = segment.to_ascii_lowercase().replace("%2e", ".");
    s == "." || s == ".."
}

#[cfg(test)]
mod tests {
    use super::trailing_slash_location as loc;

    #[test]
    fn plain_paths_lose_their_trailing_slash() {
        assert_eq!(loc("/console/", None).as_deref(), Some("/console"));
        assert_eq!(loc("/api/v1/me/", Some("x=1")).as_deref(), Some("/api/v1/me?x=1"));
        assert_eq!(loc("//evil.example/", None).as_deref(), Some("/evil.example"));
        assert_eq!(loc("///", None).as_deref(), Some("/"));
        assert_eq!(loc("/users/a%40b.com/", None).as_deref(), Some("/users/a%40b.com"));
    }

    #[test]
    fn what_could_leave_the_host_is_refused() {
        for path in [
            "/\\evil.example/",
            "/%5Cevil.example/",
            "/%5cevil.example/",
            "/%2F%2Fevil.example/",
            "/\t/evil.example/",
            "/\n/evil.example/",
            "/./\\evil.example/",
            "/../x/",
            "/%2e%2E/x/",
            "/a b/",
            "/%zz/",
            "/%4/",
            "/%+1/",
            "/é/",
        ] {
            assert_eq!(loc(path, None), None, "{path:?}");
        }
        assert_eq!(loc("/console/", Some("a=\\b")), None);
        assert_eq!(loc("/console/", Some("a\tb")), None);
    }
}
