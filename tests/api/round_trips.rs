//! Round trips as a tested budget: every route, run through the local gateway (the same
//! authorizer and handlers the Lambda functions run) over a store that counts its calls,
//! costs exactly the store calls in the table below.
//!
//! What a store call costs in DynamoDB round trips is in `tests/support/counting.rs` (from
//! `infra/dynamodb-layout.md`). The rules checked:
//! - the authorizer: exactly one `read_for_authorization` (one consistent
//!   `BatchGetItem`), plus at most one `record_last_used` per credential per minute; a
//!   malformed token costs nothing;
//! - reads: one store call (lists: one call, which is ≥ 1 Query);
//! - simple writes: one or two; where more, the table says why.

use chrono::Duration;
use latchkey::api::{Api, RouteId};
use latchkey::clock::ManualClock;
use latchkey::config::Config;
use latchkey::gateway::{LocalGateway, RawRequest};
use latchkey::operator::{self, OperatorRequest};
use latchkey::store::Store;
use latchkey_tests::counting::{Counts, take_counts};
use latchkey_tests::faults::FaultyStore;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;

mod harness;
use harness::*;

/// One row of the budget.
struct Row {
    route: RouteId,
    method: &'static str,
    path: String,
    token: String,
    body: Option<Value>,
    status: u16,
    /// Store calls besides the authorizer's single lookup (added for protected routes).
    calls: Vec<(&'static str, u32)>,
    /// Why a route needs more than one call of its own (or `""`).
    why: &'static str,
}

#[tokio::test]
async fn every_route_costs_its_budget_in_store_calls() {
    let h = Harness::new().await;
    let o = h.owner_token.clone();
    let s = |v: &Value| v.as_str().unwrap_or_else(|| panic!("expected a string, got {v}")).to_string();

    // ---- fixtures (uncounted) --------------------------------------------------------------
    let alice = h.setup("POST", "/api/v1/users", &o, json!({"email": "alice@example.com"})).await;
    let alice_id = s(&alice["user"]["id"]);
    let alice_token = s(&alice["cli_token"]);
    h.warm(&alice_token).await;
    let bob = h.setup("POST", "/api/v1/users", &o, json!({"email": "bob@example.com"})).await;
    let bob_token = s(&bob["cli_token"]);
    h.warm(&bob_token).await;
    let carol = h.setup("POST", "/api/v1/users", &o, json!({"email": "carol@example.com"})).await;
    let carol_token = s(&carol["cli_token"]);
    h.warm(&carol_token).await;
    let dave = h.setup("POST", "/api/v1/users", &o, json!({"email": "dave@example.com"})).await;
    let dave_id = s(&dave["user"]["id"]);
    h.setup("POST", "/api/v1/service-accounts", &o, json!({"name": "ci-bot"})).await;
    h.setup("POST", "/api/v1/service-accounts", &o, json!({"name": "doomed"})).await;
    let second_key = h.setup("POST", "/api/v1/service-accounts/ci-bot/api-keys", &o, json!({})).await;
    let second_key_id = s(&second_key["key"]["id"]);
    let rolled_key = h.setup("POST", "/api/v1/service-accounts/ci-bot/api-keys", &o, json!({})).await;
    let rolled_key_id = s(&rolled_key["key"]["id"]);
    let access = h.setup("POST", "/api/v1/tokens", &o, json!({"description": "ci"})).await;
    let access_id = s(&access["token_info"]["id"]);

    let row =
        |route, method, path: &str, token: &str, body: Option<Value>, status, calls: &[(&'static str, u32)], why| Row {
            route,
            method,
            path: path.to_string(),
            token: token.to_string(),
            body,
            status,
            calls: calls.to_vec(),
            why,
        };
    use RouteId::*;
    let rows = vec![
        row(Health, "GET", "/api/v1/health", "", None, 200, &[], ""),
        row(ConsolePage, "GET", "/console", "", None, 200, &[], ""),
        // The caller comes whole from the authorizer's lookup: no second read.
        row(Me, "GET", "/api/v1/me", &o, None, 200, &[], ""),
        row(ListUsers, "GET", "/api/v1/users", &o, None, 200, &[("list_users", 1)], ""),
        row(GetUser, "GET", &format!("/api/v1/users/{alice_id}"), &o, None, 200, &[("get_user", 1)], ""),
        row(
            CreateUser,
            "POST",
            "/api/v1/users",
            &o,
            Some(json!({"email": "erin@example.com"})),
            201,
            &[("create_user", 1)],
            "",
        ),
        row(
            UpdateUser,
            "PATCH",
            &format!("/api/v1/users/{alice_id}"),
            &o,
            Some(json!({"roles": ["TokenCreator"]})),
            200,
            &[("update_user", 1)],
            "",
        ),
        row(
            RotateOwnCliTokens,
            "POST",
            "/api/v1/users/me/cli-tokens/rotate",
            &bob_token,
            Some(json!({})),
            200,
            &[("get_user", 1), ("rotate_credentials", 1)],
            "reads the caller's current CLI-token epoch (not in the authorizer context), then one transaction bumps it and stores the new token; the sweep of old tokens is housekeeping inside rotate_credentials",
        ),
        row(
            RevokeOwnCliTokens,
            "DELETE",
            "/api/v1/users/me/cli-tokens",
            &carol_token,
            None,
            204,
            &[("revoke_all_credentials", 1)],
            "",
        ),
        row(
            RotateUserCliTokens,
            "POST",
            &format!("/api/v1/users/{alice_id}/cli-tokens/rotate"),
            &o,
            Some(json!({})),
            200,
            &[("get_user", 1), ("rotate_credentials", 1)],
            "the target is read once, for the policy check (exists, in the org, may be rotated by this caller) and its epoch; one transaction bumps the epoch and stores the new token (re-read only when a concurrent rotation wins)",
        ),
        row(DeleteUser, "DELETE", &format!("/api/v1/users/{dave_id}"), &o, None, 204, &[("delete_user", 1)], ""),
        row(
            CreateServiceAccount,
            "POST",
            "/api/v1/service-accounts",
            &o,
            Some(json!({"name": "deploy"})),
            201,
            &[("get_organization", 1), ("create_service_account", 1)],
            "",
        ),
        row(ListServiceAccounts, "GET", "/api/v1/service-accounts", &o, None, 200, &[("list_service_accounts", 1)], ""),
        row(
            GetServiceAccount,
            "GET",
            "/api/v1/service-accounts/ci-bot",
            &o,
            None,
            200,
            &[("find_service_account_by_name", 1)],
            "",
        ),
        row(
            UpdateServiceAccount,
            "PATCH",
            "/api/v1/service-accounts/ci-bot",
            &o,
            Some(json!({"suspended": false})),
            200,
            &[("find_service_account_by_name", 1), ("set_service_account_suspended", 1)],
            "",
        ),
        row(
            DeleteServiceAccount,
            "DELETE",
            "/api/v1/service-accounts/doomed",
            &o,
            None,
            204,
            &[("find_service_account_by_name", 1), ("delete_service_account", 1)],
            "",
        ),
        row(
            CreateApiKey,
            "POST",
            "/api/v1/service-accounts/ci-bot/api-keys",
            &o,
            Some(json!({})),
            201,
            &[("get_organization", 1), ("find_service_account_by_name", 1), ("issue_credential", 1)],
            "",
        ),
        row(
            ListServiceAccountApiKeys,
            "GET",
            "/api/v1/service-accounts/ci-bot/api-keys",
            &o,
            None,
            200,
            &[("find_service_account_by_name", 1), ("list_credentials", 1)],
            "",
        ),
        row(
            ListApiKeys,
            "GET",
            "/api/v1/api-keys",
            &o,
            None,
            200,
            &[("list_credentials", 1), ("get_principals", 1)],
            "",
        ),
        row(
            UpdateApiKey,
            "PATCH",
            &format!("/api/v1/api-keys/{second_key_id}"),
            &o,
            Some(json!({"disabled": true})),
            200,
            &[("get_credential", 1), ("get_principals", 1), ("set_credential_disabled", 1)],
            "the key and its owner (revoked is judged on the owner's epoch), then the update conditioned on the key as read",
        ),
        row(
            RevokeApiKey,
            "DELETE",
            &format!("/api/v1/api-keys/{second_key_id}"),
            &o,
            None,
            204,
            &[("get_credential", 1), ("revoke_credential", 1)],
            "the id must name an API key of the caller's organization (an access token's id is a 404), then the conditional update",
        ),
        row(
            RollApiKey,
            "POST",
            &format!("/api/v1/api-keys/{rolled_key_id}/rotate"),
            &o,
            Some(json!({"grace_period_seconds": 60})),
            200,
            &[("get_organization", 1), ("get_credential", 1), ("get_service_account", 1), ("roll_credential", 1)],
            "the organization's policy (api_key_max_days bounds the successor), the key read by id (it must be an active API key of the caller's organization), its account for the epoch and the successor's email, then one transaction",
        ),
        row(
            RotateApiKeys,
            "POST",
            "/api/v1/service-accounts/ci-bot/api-keys/rotate",
            &o,
            Some(json!({})),
            200,
            &[
                ("get_organization", 1),
                ("find_service_account_by_name", 1),
                ("list_credentials", 1),
                ("rotate_credentials", 1),
            ],
            "a rotation that names no scopes keeps the newest replaced key's: one page of the account's keys",
        ),
        row(
            RevokeApiKeys,
            "DELETE",
            "/api/v1/service-accounts/ci-bot/api-keys",
            &o,
            None,
            204,
            &[("find_service_account_by_name", 1), ("revoke_all_credentials", 1)],
            "",
        ),
        row(
            CreateAccessToken,
            "POST",
            "/api/v1/tokens",
            &o,
            Some(json!({})),
            201,
            &[("get_user", 1), ("get_organization", 1), ("issue_credential", 1)],
            "the owner's user item gives the token's owner email; the organization's policy bounds its lifetime; the issue is conditioned on the owner",
        ),
        row(
            ListAccessTokens,
            "GET",
            "/api/v1/tokens",
            &o,
            None,
            200,
            &[("list_credentials", 1), ("get_principals", 1)],
            "",
        ),
        row(
            GetAccessToken,
            "GET",
            &format!("/api/v1/tokens/{access_id}"),
            &o,
            None,
            200,
            &[("get_credential", 1), ("get_principals", 1)],
            "the owner's item decides the status (epoch revocation, removed owner)",
        ),
        row(
            UpdateAccessToken,
            "PATCH",
            &format!("/api/v1/tokens/{access_id}"),
            &o,
            Some(json!({"description": "nightly"})),
            200,
            &[("get_credential", 1), ("set_credential_description", 1), ("get_principals", 1)],
            "read first to check kind and the caller's right to it, then the conditional update, then the owner's item for the status in the response",
        ),
        row(
            Verify,
            "POST",
            "/api/v1/verify",
            &o,
            Some(json!({"token": alice_token})),
            200,
            &[(LOOKUP, 1)],
            "the verified token costs the authorizer's own one read (its last_used_at is fresh: no write)",
        ),
        row(GetOrganization, "GET", "/api/v1/organization", &o, None, 200, &[("get_organization", 1)], ""),
        row(
            UpdateOrganization,
            "PATCH",
            "/api/v1/organization",
            &o,
            Some(json!({"policy": {"access_token_max_days": 90}})),
            200,
            &[("update_organization_policy", 1)],
            "one store call: the organization read, judged and written with its event",
        ),
        row(
            ListAuditEvents,
            "GET",
            "/api/v1/audit-events?action=user.created",
            &o,
            None,
            200,
            &[("list_audit_events", 1)],
            "one store call (on the table: one strongly consistent Query per shard of the filter's partition family)",
        ),
        row(
            GetAuditEvent,
            "GET",
            &format!("/api/v1/audit-events/{}", uuid::Uuid::now_v7()),
            &o,
            None,
            404,
            &[("get_audit_event", 1)],
            "one GetItem; an unknown id is a 404",
        ),
        row(
            RevokeLeakedCredentials,
            "POST",
            "/api/v1/credentials/revoke",
            "",
            Some(json!({"credentials": ["lks_not-a-token", "garbage"]})),
            202,
            &[],
            "malformed entries cost no store read (SPEC section 12)",
        ),
        row(
            GithubSecretScanning,
            "POST",
            "/api/v1/credentials/github-secret-scanning",
            "",
            Some(json!([])),
            401,
            &[],
            "the signature is checked first: an unsigned body costs nothing",
        ),
    ];

    let mut failures = Vec::new();
    let mut covered = BTreeSet::new();
    for r in rows {
        let route = r.route.route();
        let (status, body, got) = h.measure(r.method, &r.path, &r.token, r.body.clone()).await;
        let mut want = counts(&r.calls);
        if route.access != latchkey::api::Access::Public {
            *want.entry(LOOKUP).or_default() += 1;
        }
        if status != r.status || got != want {
            failures.push(format!(
                "{} {} ({:?}): status {status} (want {}), store calls {got:?}, want {want:?}{}; body {body}",
                r.method,
                r.path,
                r.route,
                r.status,
                if r.why.is_empty() { String::new() } else { format!(" ({})", r.why) }
            ));
        }
        covered.insert(format!("{:?}", r.route));
    }
    // Every route of the table is in the budget (the console's assets are static files).
    let all: BTreeSet<String> =
        latchkey::api::ROUTES.iter().map(|r| format!("{:?}", r.id)).filter(|id| id != "ConsoleAsset").collect();
    let missing: Vec<_> = all.difference(&covered).collect();
    assert!(missing.is_empty(), "routes without a budget: {missing:?}");
    assert!(failures.is_empty(), "over or under budget:\n{}", failures.join("\n"));
}

/// The authorizer: one lookup per request; `last_used_at` at most once a minute per
/// credential; a malformed token (bad checksum) costs nothing; an unknown one one lookup.
#[tokio::test]
async fn the_authorizer_costs_one_lookup_and_at_most_one_write_a_minute() {
    let h = Harness::new().await;
    let token = {
        let v = h.setup("POST", "/api/v1/users", &h.owner_token.clone(), json!({"email": "frank@example.com"})).await;
        v["cli_token"].as_str().expect("token").to_string()
    };

    let (status, _, first) = h.measure("GET", "/api/v1/me", &token, None).await;
    assert_eq!(
        (status, first),
        (200, counts(&[(LOOKUP, 1), ("record_last_used", 1)])),
        "first use records last_used_at"
    );
    for _ in 0..3 {
        h.clock.advance(Duration::seconds(10));
        let (status, _, again) = h.measure("GET", "/api/v1/me", &token, None).await;
        assert_eq!((status, again), (200, counts(&[(LOOKUP, 1)])), "used within the minute: no write");
    }
    h.clock.advance(Duration::seconds(31));
    let (status, _, later) = h.measure("GET", "/api/v1/me", &token, None).await;
    assert_eq!(
        (status, later),
        (200, counts(&[(LOOKUP, 1), ("record_last_used", 1)])),
        "a minute later: one write again"
    );

    // Refused before the store: no header, not bearer, bad checksum.
    let mut spoiled = token.clone();
    let last = spoiled.pop().expect("non-empty");
    spoiled.push(if last == '0' { '1' } else { '0' });
    for t in ["", "not-a-token", spoiled.as_str()] {
        let (status, _, none) = h.measure("GET", "/api/v1/me", t, None).await;
        assert_eq!((status, none), (401, Counts::new()), "token {t:?} must cost no store call");
    }
    // Well-formed but unknown: one lookup, nothing else.
    let unknown = latchkey::credential::Token::generate(latchkey::credential::Locator {
        kind: latchkey::domain::CredentialKind::CliToken,
        organization_id: None,
        owner_id: latchkey::domain::PrincipalId::new_random(),
        credential_id: latchkey::domain::CredentialId::new_random(),
    })
    .expect("randomness");
    let (status, _, one) = h.measure("GET", "/api/v1/me", unknown.expose(), None).await;
    assert_eq!((status, one), (401, counts(&[(LOOKUP, 1)])));
}
