//! Where a request comes from: the connection's peer, or behind a trusted proxy
//! (`latchkey serve --trust-forwarded-for`) the rightmost `X-Forwarded-For` entry, the one
//! that proxy appended. Entries to its left are whatever the client claimed, so they are
//! never read. A request without the header reached us directly: its peer. A malformed
//! rightmost entry is refused (400), never replaced by the proxy's own address, which
//! would put every request behind the proxy inside any range that admits it.

use http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

/// The source IP of a request from `peer` with `headers`; `Err` for a malformed header.
pub(super) fn source_ip(trust_forwarded_for: bool, peer: SocketAddr, headers: &HeaderMap) -> Result<IpAddr, String> {
    if !trust_forwarded_for {
        return Ok(peer.ip());
    }
    // Several field lines are one comma-separated list (RFC 9110 5.3): the last line's last
    // entry is the rightmost.
    let Some(last_line) = headers.get_all("x-forwarded-for").iter().next_back() else {
        return Ok(peer.ip());
    };
    let line = last_line.to_str().map_err(|_| "X-Forwarded-For is not ASCII".to_string())?;
    let rightmost = line.rsplit(',').next().unwrap_or("").trim();
    rightmost
        .parse::<IpAddr>()
        .map_err(|_| "X-Forwarded-For: its rightmost entry is not an IPv4 or IPv6 address".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(lines: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for line in lines {
            map.append("x-forwarded-for", line.parse().unwrap());
        }
        map
    }

    const PEER: &str = "10.0.0.5:4000";

    #[test]
    fn the_peer_unless_trusted() {
        let peer: SocketAddr = PEER.parse().unwrap();
        assert_eq!(source_ip(false, peer, &headers(&["203.0.113.9"])), Ok(peer.ip()));
        assert_eq!(source_ip(true, peer, &headers(&[])), Ok(peer.ip()));
    }

    #[test]
    fn the_rightmost_entry_when_trusted() {
        let peer: SocketAddr = PEER.parse().unwrap();
        let got = source_ip(true, peer, &headers(&["198.51.100.1, 203.0.113.9"]));
        assert_eq!(got, Ok("203.0.113.9".parse().unwrap()));
        let got = source_ip(true, peer, &headers(&["198.51.100.1", "2001:db8::7"]));
        assert_eq!(got, Ok("2001:db8::7".parse().unwrap()));
    }

    #[test]
    fn a_malformed_entry_is_refused_not_replaced() {
        let peer: SocketAddr = PEER.parse().unwrap();
        for bad in ["", "203.0.113.9, nonsense", "203.0.113.9,", "unknown", "203.0.113.9:80"] {
            assert!(source_ip(true, peer, &headers(&[bad])).is_err(), "{bad:?} accepted");
        }
    }
}
