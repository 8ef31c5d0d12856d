//! The `last_used_at` throttle: a credential's use is recorded at most once per interval.
//! One rule for the authorizer (whether to write at all) and for both stores (the write's
//! condition, judged on the stored value, so concurrent uses record once): a use is recorded
//! unless the last one was recorded *after* the cut-off, one interval before the use. A last
//! use exactly one interval ago is recorded again.

use super::CredentialRecord;
use crate::clock::Timestamp;
use chrono::Duration;

/// `last_used_at` is recorded at most this often per credential.
pub const LAST_USED_INTERVAL_SECONDS: i64 = 60;

/// The cut-off for a use at `now`: a last use recorded after it stands.
pub fn last_use_cutoff(now: Timestamp) -> Timestamp {
    now - Duration::seconds(LAST_USED_INTERVAL_SECONDS)
}

/// Whether a use is recorded over the stored `last_used_at`, given the cut-off `since`
/// ([`last_use_cutoff`]): unless it was recorded after `since`.
pub fn last_use_is_due(last_used_at: Option<Timestamp>, since: Timestamp) -> bool {
    last_used_at.is_none_or(|t| t <= since)
}

impl CredentialRecord {
    /// [`last_use_is_due`] for this record's `last_used_at`.
    pub fn last_use_is_due(&self, since: Timestamp) -> bool {
        last_use_is_due(self.last_used_at, since)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn a_last_use_exactly_one_interval_ago_is_recorded_again() {
        let now = crate::clock::truncate(Utc::now());
        let since = last_use_cutoff(now);
        assert_eq!(now - since, Duration::seconds(LAST_USED_INTERVAL_SECONDS));
        assert!(last_use_is_due(None, since), "never used");
        assert!(last_use_is_due(Some(since), since), "used exactly at the cut-off");
        assert!(last_use_is_due(Some(since - Duration::microseconds(1)), since));
        assert!(!last_use_is_due(Some(since + Duration::microseconds(1)), since), "used after the cut-off");
        assert!(!last_use_is_due(Some(now), since));
    }
}
