//! API tests: the local server (`spawn_app`) on each store, and the deployed shape
//! (`latchkey gateway`: the function binaries behind the template's API, on moto), walking
//! every route of SPEC section 3 with each permission rule, tenant isolation, immediate
//! revocation, last-owner protection and hostile input. Each test runs once per arm; the walk's
//! tests are in the modules below, by topic.

use crate::audit::{audit_events_are_for_owners_filtered_and_paged, every_change_writes_exactly_its_audit_events};
use crate::grace::{
    a_grace_ends_by_the_clock_and_its_sweep_waits_for_it,
    a_graced_rotation_keeps_the_older_credentials_until_it_is_ended,
    rolling_one_key_keeps_only_that_key_through_the_grace,
};
use crate::ip_ranges::ip_ranges_of_the_organization_and_the_credential_are_enforced;
use crate::leaks::{
    a_leaked_key_of_any_organization_stops_at_once, look_alikes_garbage_and_wrong_secrets_change_nothing,
};
use crate::lifecycle::{
    a_holder_cannot_undo_an_owners_disable, api_keys_have_descriptions_and_lifespans_that_rotations_keep,
    disabled_credentials_are_refused_listed_and_revoked_stays_final, last_used_ip_is_the_address_of_the_use,
    revoked_reason_tells_why_a_credential_stopped,
};
use crate::organization::the_organization_policy_is_read_by_members_and_changed_by_persistent_owners;
use crate::suspension::{
    a_suspended_owners_credentials_are_refused_until_unsuspended,
    a_suspended_service_accounts_keys_are_refused_until_unsuspended, suspending_the_last_live_owner_is_refused,
};
use chrono::Duration;
use latchkey_tests::app::{TestApp, spawn_app};
use serde_json::{Value, json};

mod access_tokens;
mod adversaries;
mod lists;
mod members;
mod service_accounts;
use access_tokens::*;
use adversaries::*;
use lists::*;
use members::*;
use service_accounts::*;

/// `api_tests!(arm, spawn; extra...)`: the walk every arm runs, plus `extra`, each test on
/// a fresh `TestApp` from `spawn`.
macro_rules! api_tests {
    ($arm:ident, $spawn:expr; $($extra:ident),* $(,)?) => {
        mod $arm {
            #[allow(unused_imports)]
            use super::*;
            api_tests!(@each $spawn;
                health_and_me,
                users_lifecycle,
                collaborators_cannot_act_as_owners,
                service_account_lifecycle_and_key_revocation,
                rotation_and_revoke_all_touch_only_their_own_kind,
                owners_cannot_touch_other_owners_credentials,
                last_owner_is_protected,
                other_organizations_see_404_and_change_nothing,
                level_and_role_changes_take_effect_on_the_next_request,
                hostile_inputs_get_problems_and_change_nothing,
                pagination_walks_every_item_once,
                access_tokens_need_the_role_or_an_owner,
                access_tokens_are_private_to_their_owner,
                access_tokens_create_no_credentials,
                access_token_edits_and_revocation,
                removing_a_user_revokes_everything_it_held,
                list_filters_that_match_nothing_still_check_their_paging_parameters,
                every_change_writes_exactly_its_audit_events,
                audit_events_are_for_owners_filtered_and_paged,
                a_leaked_key_of_any_organization_stops_at_once,
                look_alikes_garbage_and_wrong_secrets_change_nothing,
                the_organization_policy_is_read_by_members_and_changed_by_persistent_owners,
                a_holder_cannot_undo_an_owners_disable,
                disabled_credentials_are_refused_listed_and_revoked_stays_final,
                revoked_reason_tells_why_a_credential_stopped,
                api_keys_have_descriptions_and_lifespans_that_rotations_keep,
                last_used_ip_is_the_address_of_the_use,
                a_suspended_owners_credentials_are_refused_until_unsuspended,
                suspending_the_last_live_owner_is_refused,
                a_suspended_service_accounts_keys_are_refused_until_unsuspended,
                a_graced_rotation_keeps_the_older_credentials_until_it_is_ended,
                rolling_one_key_keeps_only_that_key_through_the_grace,
                ip_ranges_of_the_organization_and_the_credential_are_enforced,
                $($extra,)*
            );
        }
    };
    (@each $spawn:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let app = $spawn.await;
                super::$name(&app).await;
                // Whatever the test did, no event of its organization holds a secret.
                crate::audit::assert_no_secret_in_audit(&app).await;
            }
        )*
    };
}

async fn on_sqlite() -> TestApp {
    spawn_app(latchkey_tests::sqlite_store().await).await
}

async fn on_dynamodb() -> TestApp {
    spawn_app(latchkey_tests::dynamodb_store().await).await
}

// `latchkey serve` on each store: the walk, and the tests only `serve` can run.
api_tests!(sqlite, on_sqlite(); access_tokens_expire_by_the_clock, one_spelling_per_path, a_grace_ends_by_the_clock_and_its_sweep_waits_for_it);
api_tests!(dynamodb, on_dynamodb(); access_tokens_expire_by_the_clock, one_spelling_per_path, a_grace_ends_by_the_clock_and_its_sweep_waits_for_it);

// The deployed shape: the function binaries behind `latchkey gateway` (one gateway per test
// binary, on moto; a fresh organization per test). Left out, and why:
// - access_tokens_expire_by_the_clock moves the test's ManualClock a day on; the binaries
//   read the system clock, which no test moves.
// - a_grace_ends_by_the_clock_and_its_sweep_waits_for_it moves the ManualClock too.
// - one_spelling_per_path: `serve` answers `/x/` with a 308 to `/x`; API Gateway matches
//   `/x/` as `/x` and serves it there (functions/tests/functions/gateway.rs checks that).
// pagination_walks_every_item_once moves the clock too, but only so that each creation has
// its own time, which the system clock gives as well: it runs here.
api_tests!(gateway, latchkey_tests::gateway::spawn_gateway_app(););

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("expected a string, got {v}")).to_string()
}
