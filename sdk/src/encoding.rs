//! Percent-encoding of path segments and query values (RFC 3986 unreserved characters pass
//! through, every other byte is escaped), so a service-account email or a cursor arrives
//! intact.

pub(crate) fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

pub(crate) fn query_string(pairs: &[(&str, String)]) -> String {
    pairs.iter().map(|(name, value)| format!("{}={}", encode(name), encode(value))).collect::<Vec<_>>().join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_is_not_unreserved() {
        assert_eq!(encode("ci@org-1.serviceaccount.com"), "ci%40org-1.serviceaccount.com");
        assert_eq!(encode("a/b c?é"), "a%2Fb%20c%3F%C3%A9");
        assert_eq!(query_string(&[("user", "a+b@x".into()), ("max_items", "5".into())]), "user=a%2Bb%40x&max_items=5");
    }
}
