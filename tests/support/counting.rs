//! Counting store calls per method, so a test can assert what a request costs
//! (`tests/api/round_trips.rs`). The counting wrapper is [`FaultyStore`] with no fault armed.
//!
//! Store calls are not all one DynamoDB round trip each; per `infra/dynamodb-layout.md`
//! ("Access patterns and round trips"):
//!
//! | store method | DynamoDB round trips |
//! |---|---|
//! | `read_for_authorization` | 1 (a v2 token; a v1 token, which names no organization: 2) |
//! | `lookup_credential_and_owner`, `record_last_used` | 1 |
//! | `get_user`, `get_service_account`, `get_credential`, `set_credential_description` | 1 |
//! | `create_organization`, `create_user`, `create_service_account` | 1 (one transaction) |
//! | `issue_credential` | 1 (2 when its condition fails) |
//! | `revoke_credential` | 1 (2 when already revoked) |
//! | `get_principals` | 1 per 100 ids |
//! | `find_organization_by_name`, `find_user_by_email`, `find_service_account_by_name` | 2 (guard item, then the item) |
//! | `update_user`, `set_service_account_suspended`, `roll_credential` (one transaction) | 2 (read, then a conditional transaction; re-read and retry ≤ 3 on contention) |
//! | `list_users`, `list_service_accounts`, `list_credentials` | ≥ 1 Query (≤ 10 per page while filters skip items) |
//! | `rotate_credentials` | 1 + sweep (housekeeping: Query pages + batch writes) |
//! | `revoke_all_credentials`, `delete_user`, `delete_service_account` | 2 + sweep |

use crate::faults::FaultyStore;
use std::collections::BTreeMap;

/// Calls per store method, by method name.
pub type Counts = BTreeMap<&'static str, u32>;

/// The store calls made since the last call to this (the [`FaultyStore`] records every call,
/// with or without faults armed), counted per method.
pub fn take_counts(store: &FaultyStore) -> Counts {
    let mut counts = Counts::new();
    for method in store.take_calls() {
        *counts.entry(method).or_default() += 1;
    }
    counts
}
