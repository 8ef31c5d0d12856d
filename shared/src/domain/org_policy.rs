//! An organization's policy (SPEC section 11): lifetime limits for new credentials and the IP
//! ranges its credentials may be used from. Values are parsed here, once, into their
//! canonical form; what the policy allows is decided here too.

use super::DomainError;
use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// At most this many ranges on an organization.
pub const MAX_ORGANIZATION_RANGES: usize = 50;
/// At most this many ranges on one credential.
pub const MAX_CREDENTIAL_RANGES: usize = 20;
/// API keys' lifetime bound, in days (also `lifespan_days`' bound for keys).
pub const MAX_API_KEY_DAYS: u32 = 3650;

/// One CIDR block in canonical form (a bare address is its /32 or /128). Host bits must be
/// zero: `10.0.0.1/8` is refused, since whoever wrote it meant something it does not say.
/// Parsing and containment are `ipnet`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IpRange(IpNet);

impl IpRange {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let raw = raw.trim();
        let invalid = |why: &str| DomainError::invalid("allowed_ip_ranges", why.to_string());
        if raw.len() > 64 {
            return Err(invalid("a range is an IPv4 or IPv6 address or CIDR block"));
        }
        let net = if raw.contains('/') {
            IpNet::from_str(raw).map_err(|_| invalid("not an IPv4 or IPv6 CIDR block (e.g. 203.0.113.0/24)"))?
        } else {
            let addr = IpAddr::from_str(raw).map_err(|_| invalid("not an IPv4 or IPv6 address or CIDR block"))?;
            IpNet::from(addr)
        };
        if net.trunc() != net {
            return Err(invalid("host bits are set (e.g. 10.0.0.1/8 for 10.0.0.0/8)"));
        }
        Ok(Self(net))
    }

    pub fn contains(&self, ip: &IpAddr) -> bool {
        self.0.contains(ip)
    }

    /// Whether every address of `other` is in this range.
    pub fn covers(&self, other: &IpRange) -> bool {
        self.0.contains(&other.0)
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for IpRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IpRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        IpRange::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A set of ranges: sorted, without repeats. Empty admits any address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IpRanges(Vec<IpRange>);

impl IpRanges {
    pub fn parse<S: AsRef<str>>(raw: &[S], max: usize) -> Result<Self, DomainError> {
        if raw.len() > max {
            return Err(DomainError::invalid("allowed_ip_ranges", format!("at most {max} ranges")));
        }
        let mut ranges = raw.iter().map(|r| IpRange::parse(r.as_ref())).collect::<Result<Vec<_>, _>>()?;
        ranges.sort();
        ranges.dedup();
        Ok(Self(ranges))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &IpRange> {
        self.0.iter()
    }

    /// Whether every address these ranges admit, `outer` admits too (a new credential's
    /// ranges within its creator's, SPEC section 7). Empty admits anywhere: within only an
    /// empty `outer`.
    pub fn within(&self, outer: &IpRanges) -> bool {
        outer.is_empty() || (!self.is_empty() && self.0.iter().all(|r| outer.0.iter().any(|o| o.covers(r))))
    }

    /// Space-separated canonical ranges (the authorizer context's form).
    pub fn joined(&self) -> String {
        self.0.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(" ")
    }

    /// [`IpRanges::joined`] read back.
    pub fn parse_joined(joined: &str) -> Result<Self, DomainError> {
        let parts: Vec<&str> = joined.split_whitespace().collect();
        Self::parse(&parts, MAX_ORGANIZATION_RANGES)
    }

    /// The canonical strings, for the wire.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(|r| r.to_string()).collect()
    }

    /// Whether `ip` may use a credential: any address when empty, else one inside a range.
    /// An unknown address is admitted only by an empty set. An IPv4-mapped IPv6 address
    /// (`::ffff:203.0.113.5`, what a dual-stack listener reports for an IPv4 client) is judged
    /// as the IPv4 address it is.
    pub fn admits(&self, ip: Option<&IpAddr>) -> bool {
        self.0.is_empty() || ip.map(IpAddr::to_canonical).is_some_and(|ip| self.0.iter().any(|r| r.contains(&ip)))
    }
}

/// The organization's policy. `None` limits are "no limit of the organization's own": the
/// service's `ACCESS_TOKEN_MAX_DAYS` for access tokens, never-expiring API keys allowed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationPolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_max_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_max_days: Option<u32>,
    #[serde(default, skip_serializing_if = "IpRanges::is_empty")]
    pub allowed_ip_ranges: IpRanges,
}

impl OrganizationPolicy {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// A new API key's lifetime under `api_key_max_days` (SPEC section 11): a key asked for
    /// without one gets the limit; one asked for longer is refused when the caller named it
    /// (`explicit`), cut to the limit when it was inherited (a rotation keeping the replaced
    /// key's lifespan).
    pub fn api_key_lifespan(
        &self,
        asked: Option<chrono::Duration>,
        explicit: bool,
    ) -> Result<Option<chrono::Duration>, DomainError> {
        let Some(max_days) = self.api_key_max_days else { return Ok(asked) };
        let max = chrono::Duration::days(i64::from(max_days));
        match asked {
            Some(d) if d > max && explicit => Err(DomainError::invalid(
                "lifespan_days",
                format!("longer than the organization's api_key_max_days ({max_days})"),
            )),
            Some(d) => Ok(Some(d.min(max))),
            None => Ok(Some(max)),
        }
    }

    /// The longest lifetime, in days, of a new access token: the organization's limit within
    /// the service's.
    pub fn access_token_max_days(&self, service_max: u32) -> u32 {
        self.access_token_max_days.map_or(service_max, |d| d.min(service_max))
    }
}

/// A PATCH of the policy: each field given replaces the stored one (`api_key_max_days:
/// Some(None)` removes the limit).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyChange {
    pub access_token_max_days: Option<u32>,
    pub api_key_max_days: Option<Option<u32>>,
    pub allowed_ip_ranges: Option<IpRanges>,
}

impl PolicyChange {
    /// Checks each given value against its bounds (`service_max`: `ACCESS_TOKEN_MAX_DAYS`).
    pub fn parse(
        access_token_max_days: Option<i64>,
        api_key_max_days: Option<Option<i64>>,
        allowed_ip_ranges: Option<&[String]>,
        service_max: u32,
    ) -> Result<Self, DomainError> {
        let days = |field: &'static str, value: i64, max: u32| -> Result<u32, DomainError> {
            u32::try_from(value)
                .ok()
                .filter(|d| (1..=max).contains(d))
                .ok_or_else(|| DomainError::invalid(field, format!("must be a whole number from 1 to {max}")))
        };
        Ok(Self {
            access_token_max_days: access_token_max_days
                .map(|d| days("access_token_max_days", d, service_max))
                .transpose()?,
            api_key_max_days: api_key_max_days
                .map(|d| d.map(|d| days("api_key_max_days", d, MAX_API_KEY_DAYS)).transpose())
                .transpose()?,
            allowed_ip_ranges: allowed_ip_ranges.map(|r| IpRanges::parse(r, MAX_ORGANIZATION_RANGES)).transpose()?,
        })
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    pub fn applied_to(&self, policy: &OrganizationPolicy) -> OrganizationPolicy {
        OrganizationPolicy {
            access_token_max_days: self.access_token_max_days.or(policy.access_token_max_days),
            api_key_max_days: self.api_key_max_days.unwrap_or(policy.api_key_max_days),
            allowed_ip_ranges: self.allowed_ip_ranges.clone().unwrap_or_else(|| policy.allowed_ip_ranges.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_canonical_and_host_bits_are_refused() {
        assert_eq!(IpRange::parse("203.0.113.7").unwrap().to_string(), "203.0.113.7/32");
        assert_eq!(IpRange::parse("2001:DB8::/32").unwrap().to_string(), "2001:db8::/32");
        assert_eq!(IpRange::parse("::1").unwrap().to_string(), "::1/128");
        for bad in ["10.0.0.1/8", "2001:db8::1/32", "300.1.1.1", "10.0.0.0/33", "", "example.com", "1.2.3.4/"] {
            assert!(IpRange::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_empty_set_admits_anyone_and_a_set_only_its_members() {
        let any = IpRanges::default();
        assert!(any.admits(None));
        let set = IpRanges::parse(&["10.0.0.0/8", "2001:db8::/32", "10.0.0.0/8"], 50).unwrap();
        assert_eq!(set.iter().count(), 2);
        assert!(set.admits(Some(&"10.1.2.3".parse().unwrap())));
        assert!(set.admits(Some(&"2001:db8::5".parse().unwrap())));
        assert!(!set.admits(Some(&"192.0.2.1".parse().unwrap())));
        assert!(!set.admits(None), "an unknown address is never inside a range");
        assert!(IpRanges::parse(&vec!["10.0.0.0/8"; 51], 50).is_err());
    }

    #[test]
    fn an_ipv4_mapped_address_is_judged_as_ipv4_and_ranges_nest() {
        let set = IpRanges::parse(&["10.0.0.0/8"], 50).unwrap();
        assert!(set.admits(Some(&"::ffff:10.1.2.3".parse().unwrap())));
        assert!(!set.admits(Some(&"::ffff:192.0.2.1".parse().unwrap())));
        let narrower = IpRanges::parse(&["10.1.0.0/16", "10.2.3.4"], 20).unwrap();
        assert!(narrower.within(&set));
        assert!(!set.within(&narrower));
        assert!(!IpRanges::default().within(&set), "anywhere is wider than any range");
        assert!(set.within(&IpRanges::default()));
        assert_eq!(IpRanges::parse_joined(&narrower.joined()).unwrap(), narrower);
    }

    #[test]
    fn limits_are_bounded_and_applied_field_by_field() {
        assert!(PolicyChange::parse(Some(0), None, None, 365).is_err());
        assert!(PolicyChange::parse(Some(366), None, None, 365).is_err());
        assert!(PolicyChange::parse(None, Some(Some(3651)), None, 365).is_err());
        let stored =
            OrganizationPolicy { access_token_max_days: Some(30), api_key_max_days: Some(90), ..Default::default() };
        let change = PolicyChange::parse(None, Some(None), None, 365).unwrap();
        let after = change.applied_to(&stored);
        assert_eq!((after.access_token_max_days, after.api_key_max_days), (Some(30), None));
        assert_eq!(after.access_token_max_days(365), 30);
        assert_eq!(OrganizationPolicy::default().access_token_max_days(365), 365);
    }

    #[test]
    fn api_keys_get_the_limit_and_only_an_inherited_lifespan_is_cut_to_it() {
        use chrono::Duration;
        let none = OrganizationPolicy::default();
        assert_eq!(none.api_key_lifespan(None, false).unwrap(), None);
        let limited = OrganizationPolicy { api_key_max_days: Some(90), ..Default::default() };
        assert_eq!(limited.api_key_lifespan(None, false).unwrap(), Some(Duration::days(90)));
        assert_eq!(limited.api_key_lifespan(Some(Duration::days(30)), true).unwrap(), Some(Duration::days(30)));
        assert!(limited.api_key_lifespan(Some(Duration::days(91)), true).is_err());
        assert_eq!(limited.api_key_lifespan(Some(Duration::days(400)), false).unwrap(), Some(Duration::days(90)));
    }
}
