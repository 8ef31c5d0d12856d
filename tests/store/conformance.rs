//! The store conformance suite: every behaviour of `latchkey::store::Store`, written once
//! and run against each implementation, so the local server and the deployed service agree.
//!
//! Each behaviour is an `async fn(Arc<dyn Store>, Arc<ManualClock>)` in a module below; the
//! `conformance_tests!` invocations at the end make one `#[tokio::test]` per behaviour per
//! store (`sqlite::<behaviour>`, `dynamodb::<behaviour>`).

use chrono::Duration;
use latchkey::clock::{Clock, ManualClock, Timestamp};
use latchkey::domain::{
    CredentialId, CredentialKind, CredentialRecord, CredentialStatus, Description, Email, OrganizationName,
    PermissionLevel, Principal, PrincipalId, Revocation, Role, Roles, ServiceAccountName,
};
use latchkey::store::{CredentialFilter, Page, PageRequest, Store, StoreError, UserUpdate, any_change, position};
use latchkey_tests as support;
use std::collections::HashSet;
use std::sync::Arc;
use support::{RETENTION, TestOrg, tick};
use suspension::*;

mod agreement;
mod audit;
mod credentials;
mod expiry;
mod golden;
mod last_owner;
mod leaks;
mod lifecycle;
mod lists;
mod owners;
mod policy;
mod removals;
mod suspension;
mod sweeps;
mod tenancy;
use agreement::*;
use audit::*;
use credentials::*;
use expiry::*;
use last_owner::*;
use leaks::*;
use lifecycle::*;
use lists::*;
use owners::*;
use policy::*;
use removals::*;
use tenancy::*;

// ---- helpers -----------------------------------------------------------------------------

fn revocation(clock: &ManualClock) -> Revocation {
    Revocation::new(tick(clock), RETENTION)
}

fn first_page(max_items: usize) -> PageRequest {
    PageRequest { max_items, after: None }
}

fn active_of_kind(kind: CredentialKind, now: Timestamp) -> CredentialFilter {
    CredentialFilter { kind, owner: None, last_six: None, include_inactive: false, now }
}

/// A credential as the authorizer sees it: the record, its owner, and its status now.
async fn looked_up(
    store: &dyn Store,
    credential: &CredentialRecord,
    now: Timestamp,
) -> (Option<CredentialRecord>, Option<Principal>, CredentialStatus) {
    let (record, owner) = store.lookup_credential_and_owner(credential.owner_id, credential.id).await.expect("lookup");
    // A purged record would be refused too; judge the one we hold in that case.
    let status = record.as_ref().unwrap_or(credential).status(now, owner.as_ref());
    (record, owner, status)
}

async fn status_now(store: &dyn Store, credential: &CredentialRecord, clock: &ManualClock) -> CredentialStatus {
    looked_up(store, credential, clock.now()).await.2
}

/// Every item of a list, following `next` from page to page; checks the page shapes.
async fn all_pages<T, F, Fut>(max_items: usize, position_of: impl Fn(&T) -> String, mut fetch: F) -> Vec<T>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, StoreError>>,
{
    let mut items = Vec::new();
    let mut after = None;
    for _ in 0..1000 {
        let page = fetch(PageRequest { max_items, after: after.clone() }).await.expect("list a page");
        assert!(page.items.len() <= max_items, "a page holds at most max_items");
        match &page.next {
            Some(next) => {
                assert_eq!(page.items.len(), max_items, "only the last page may be short");
                assert_eq!(
                    Some(next),
                    page.items.last().map(&position_of).as_ref(),
                    "next is the last item's position"
                );
            }
            None => {
                items.extend(page.items);
                return items;
            }
        }
        items.extend(page.items);
        after = page.next;
    }
    panic!("the list never ended");
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> String) -> Vec<String> {
    items.iter().map(id).collect()
}

// ---- instantiation ---------------------------------------------------------------------------

/// One `#[tokio::test]` per behaviour, in a module named after the store.
macro_rules! conformance_tests {
    ($store:ident, $make_store:expr) => {
        mod $store {
            use super::*;
            conformance_tests!(@behaviours $make_store;
                organization_names_are_unique_case_insensitively,
                user_emails_are_unique_in_an_organization,
                concurrent_user_creation_with_one_email_has_one_winner,
                concurrent_service_account_creation_with_one_name_has_one_winner,
                the_same_names_in_two_organizations_are_fine,
                other_organizations_objects_behave_as_absent,
                issued_credentials_round_trip_through_lookup,
                principals_are_fetched_together,
                descriptions_are_set_and_cleared,
                revoking_one_credential_keeps_the_first_revocation,
                revoking_all_cli_tokens_leaves_other_kinds_working,
                revoking_all_api_keys_revokes_every_key,
                rotation_replaces_credentials_atomically,
                concurrent_rotations_have_one_winner,
                deleting_a_user_revokes_its_credentials,
                deleting_a_service_account_revokes_its_keys,
                the_last_owner_cannot_be_demoted_deleted_or_locked_out,
                concurrent_demotions_of_two_owners_leave_one,
                concurrent_removals_of_two_owners_leave_one,
                only_owners_who_hold_a_live_cli_token_count_for_the_last_owner,
                concurrent_revocations_by_the_last_two_live_owners_leave_one,
                owner_since_is_written_with_level_changes_and_never_cleared,
                a_user_change_is_judged_on_the_stored_user,
                expired_credentials_are_listed_only_as_inactive,
                purge_times_follow_expiry_and_revocation,
                last_use_is_throttled_and_never_resurrects,
                users_are_listed_oldest_first_across_pages,
                service_accounts_are_listed_newest_first_across_pages,
                credentials_are_listed_in_credential_order_across_pages,
                forged_positions_are_invalid,
                credential_lists_filter_by_kind_owner_last_six_and_activity,
                an_owner_filtered_list_refuses_another_owners_position,
                last_use_is_recorded_again_exactly_one_interval_later,
                audit_events_commit_with_their_change_or_not_at_all,
                audit_lists_filter_page_and_isolate_like_the_filter_says,
                expiry_notices_are_written_once_per_live_credential,
                policy_changes_are_judged_written_with_their_event_or_not_at_all,
                a_leaked_credential_of_any_organization_is_revoked_with_its_event,
                a_wrong_hash_or_an_unknown_credential_changes_nothing,
                revoked_and_expired_credentials_are_left_untouched,
                a_leaked_cli_token_of_the_last_live_owner_is_revoked_anyway,
                a_leaked_access_token_leaves_its_owner_as_it_was,
                disabling_refuses_a_credential_until_it_is_enabled,
                a_revoked_credential_cannot_be_disabled_and_a_leak_revokes_a_disabled_one,
                every_revocation_path_writes_its_reason,
                a_suspended_owner_leaves_the_live_owner_count,
                a_service_account_is_suspended_and_unsuspended,
            );
        }
    };
    (@behaviours $make_store:expr; $($behaviour:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $behaviour() {
                super::$behaviour($make_store, support::clock()).await;
            }
        )+
    };
}

conformance_tests!(sqlite, support::sqlite_store().await);

conformance_tests!(dynamodb, support::dynamodb_store().await);
