//! IP allow-lists (SPEC section 11): the organization's `allowed_ip_ranges` and a
//! credential's own, enforced by the authorizer from the very next request, IPv4 and IPv6;
//! what a ranged credential creates stays within its ranges; `/verify` fails closed; another
//! organization is unaffected; `serve --trust-forwarded-for`; `recover --clear-ip-policy`;
//! v1 tokens keep working; a missing policy copy is a failure, never "no policy"; and the
//! authorizer's reads (one round trip for a v2 token).

use latchkey::auth::{Authorizer, Decision, DenyReason, Organizations};
use latchkey::clock::Clock;
use latchkey::credential::{Locator, Token};
use latchkey::domain::{CredentialKind, OrganizationId, PrincipalId};
use latchkey::store::Store;
use latchkey_cli::server::ServerLimits;
use latchkey_tests::app::{TestApp, spawn_app_with_limits};
use serde_json::{Value, json};
use std::sync::Arc;

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("expected a string, got {v}")).to_string()
}

async fn verify(app: &TestApp, token: &str, source_ip: Option<&str>) -> String {
    let mut body = json!({ "token": token });
    if let Some(ip) = source_ip {
        body["source_ip"] = ip.into();
    }
    s(&app.post("/verify", &app.owner_token, body).await.assert_status(200)["code"])
}

/// Run by every arm of the walk (tests/api/walk.rs), the deployed shape included: every
/// request comes from 127.0.0.1, so other addresses are asked through `/verify`.
pub(crate) async fn ip_ranges_of_the_organization_and_the_credential_are_enforced(app: &TestApp) {
    let owner = app.owner_token.clone();
    let key = app.add_service_account("ranged", Some("OWNER")).await;
    assert_eq!(verify(app, &key, Some("198.51.100.7")).await, "valid", "no ranges yet: anywhere");

    // The organization's ranges, IPv4 and IPv6, from the very next request.
    let policy = json!({"policy": {"allowed_ip_ranges": ["127.0.0.0/8", "2001:db8::/32"]}});
    app.patch("/organization", &owner, policy).await.assert_status(200);
    assert_eq!(app.me_status(&key).await, 200, "127.0.0.1 is inside");
    for (ip, code) in [
        ("127.0.0.1", "valid"),
        ("2001:db8::1", "valid"),
        ("198.51.100.7", "ip_not_allowed"),
        ("2001:db9::1", "ip_not_allowed"),
        ("::ffff:198.51.100.7", "ip_not_allowed"),
    ] {
        assert_eq!(verify(app, &key, Some(ip)).await, code, "{ip}");
    }
    assert_eq!(verify(app, &key, None).await, "ip_not_allowed", "verify fails closed without source_ip");

    // A credential's own ranges: both must admit the address.
    let path = "/service-accounts/ranged/api-keys";
    let elsewhere =
        app.post(path, &owner, json!({"allowed_ip_ranges": ["10.0.0.0/8"]})).await.assert_status(201).clone();
    assert_eq!(elsewhere["key"]["allowed_ip_ranges"], json!(["10.0.0.0/8"]));
    assert_eq!(app.me_status(&s(&elsewhere["api_key"])).await, 401, "outside the key's own ranges");
    let here = app.post(path, &owner, json!({"allowed_ip_ranges": ["127.0.0.1", "2001:db8::/48"]})).await;
    let here = here.assert_status(201).clone();
    assert_eq!(here["key"]["allowed_ip_ranges"], json!(["127.0.0.1/32", "2001:db8::/48"]));
    let here_key = s(&here["api_key"]);
    assert_eq!(app.me_status(&here_key).await, 200);
    assert_eq!(verify(app, &here_key, Some("2001:db8:0:1::1")).await, "valid");
    assert_eq!(verify(app, &here_key, Some("2001:db8:1::1")).await, "ip_not_allowed", "outside its /48");
    assert_eq!(verify(app, &here_key, Some("127.0.0.2")).await, "ip_not_allowed", "outside its /32");

    // Bad ranges: 400, nothing created.
    let before = app.get(path, &owner).await.assert_status(200).clone();
    for bad in [json!(["10.0.0.1/8"]), json!(["nope"]), json!(vec!["10.0.0.0/8"; 21]), json!("10.0.0.0/8")] {
        app.post(path, &owner, json!({ "allowed_ip_ranges": bad })).await.assert_problem(400, "validation_failed");
    }
    assert_eq!(app.get(path, &owner).await.assert_status(200), &before);

    // What a ranged credential creates stays within its ranges: copied when not given,
    // refused when wider, kept when narrower.
    app.post("/service-accounts", &owner, json!({"name": "made-by-ranged"})).await.assert_status(201);
    let made_path = "/service-accounts/made-by-ranged/api-keys";
    let copied = app.post(made_path, &here_key, json!({})).await.assert_status(201).clone();
    assert_eq!(copied["key"]["allowed_ip_ranges"], json!(["127.0.0.1/32", "2001:db8::/48"]));
    for wider in [json!(["127.0.0.0/8"]), json!(["10.0.0.0/8"]), json!([])] {
        let r = app.post(made_path, &here_key, json!({ "allowed_ip_ranges": wider })).await;
        r.assert_problem(400, "validation_failed");
    }
    // Made later than the others, so it is the newest key a rotation replaces.
    app.clock.advance(chrono::Duration::seconds(1));
    let narrower = app.post(made_path, &here_key, json!({"allowed_ip_ranges": ["2001:db8::1"]})).await;
    assert_eq!(narrower.assert_status(201)["key"]["allowed_ip_ranges"], json!(["2001:db8::1/128"]));
    // A rotation keeps the newest replaced key's ranges.
    let rotated = app.post(&format!("{made_path}/rotate"), &owner, json!({})).await.assert_status(200).clone();
    assert_eq!(rotated["key"]["allowed_ip_ranges"], json!(["2001:db8::1/128"]));
    assert_eq!(app.me_status(&s(&rotated["api_key"])).await, 401, "kept: 127.0.0.1 is outside");

    // Another organization is unaffected.
    let other = latchkey::operator::bootstrap(
        app.store.as_ref(),
        app.clock.as_ref(),
        &app.config,
        &latchkey::operator::OperatorRequest {
            organization: format!("other-{}", uuid::Uuid::new_v4()),
            owner_email: "zoe@example.com".into(),
        },
    )
    .await
    .expect("another organization");
    let theirs = app.get("/organization", &other.cli_token).await.assert_status(200).clone();
    assert_eq!(theirs["policy"]["allowed_ip_ranges"], json!([]));
    let their_verify =
        app.post("/verify", &other.cli_token, json!({"token": other.cli_token, "source_ip": "198.51.100.7"})).await;
    assert_eq!(their_verify.assert_status(200)["code"], "valid");
}

/// `serve` behind a trusted proxy: the rightmost `X-Forwarded-For` entry is the source.
async fn behind_a_trusted_proxy(store: Arc<dyn Store>) {
    let app = spawn_app_with_limits(store, ServerLimits { trust_forwarded_for: true, ..Default::default() }).await;
    let http = reqwest::Client::new();
    let me = |forwarded: Option<&'static str>| {
        let mut request = http.get(format!("{}/api/v1/me", app.base)).bearer_auth(&app.owner_token);
        if let Some(value) = forwarded {
            request = request.header("x-forwarded-for", value);
        }
        async move { request.send().await.expect("the server answers").status().as_u16() }
    };
    let patch = http
        .patch(format!("{}/api/v1/organization", app.base))
        .bearer_auth(&app.owner_token)
        .header("x-forwarded-for", "198.51.100.1, 203.0.113.5")
        .json(&json!({"policy": {"allowed_ip_ranges": ["203.0.113.0/24"]}}))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(patch.status().as_u16(), 200, "the proxy's entry is inside");
    assert_eq!(me(Some("203.0.113.5")).await, 200);
    assert_eq!(me(Some("203.0.113.77, 198.51.100.1")).await, 401, "only the rightmost entry counts");
    assert_eq!(me(None).await, 401, "no header: the peer, 127.0.0.1, is outside");
    assert_eq!(me(Some("not-an-address")).await, 400, "malformed: refused, never the proxy's address");

    // recover --clear-ip-policy lets the organization in again, audited.
    let cleared =
        latchkey::operator::clear_ip_policy(app.store.as_ref(), app.clock.as_ref(), &app.config, &app.organization)
            .await
            .expect("clear the IP policy");
    assert!(cleared);
    assert_eq!(me(None).await, 200);
    let events = app.get("/audit-events?action=organization.policy_updated", &app.owner_token).await;
    let newest = events.assert_status(200)["items"][0].clone();
    assert_eq!(newest["actor"]["type"], "operator", "{newest}");
    assert_eq!(newest["details"]["allowed_ip_ranges"]["after"], json!([]), "{newest}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_the_rightmost_forwarded_address_is_the_source_on_sqlite() {
    behind_a_trusted_proxy(latchkey_tests::sqlite_store().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_the_rightmost_forwarded_address_is_the_source_on_dynamodb() {
    behind_a_trusted_proxy(latchkey_tests::dynamodb_store().await).await;
}

/// An organization whose first owner's CLI token is a v1 token (no organization in its
/// locator, as issued before v2), and that token.
async fn organization_with_a_v1_token(store: &dyn Store) -> (latchkey_tests::TestOrg, String) {
    let clock = latchkey_tests::clock();
    let mut fixture = latchkey_tests::TestOrg::new(&format!("v1-{}", uuid::Uuid::new_v4()), &clock);
    let token = Token::generate(Locator {
        kind: CredentialKind::CliToken,
        organization_id: None,
        owner_id: fixture.owner.id,
        credential_id: fixture.owner_token.id,
    })
    .expect("randomness");
    fixture.owner_token.secret_hash = token.hash();
    fixture.owner_token.last_six = token.last_six();
    store
        .create_organization(&fixture.org, &fixture.owner, &fixture.owner_token, latchkey_tests::audit())
        .await
        .expect("create the organization");
    (fixture, token.expose().to_string())
}

async fn v1_tokens_keep_working_under_the_policy(store: Arc<dyn Store>) {
    let clock = latchkey_tests::clock();
    let (org, token) = organization_with_a_v1_token(store.as_ref()).await;
    assert_eq!(token.len(), latchkey::credential::TOKEN_LEN_V1);
    let authorizer = Authorizer::new(Arc::clone(&store) as Arc<dyn latchkey::store::CredentialLookup>, clock.clone());
    let header = format!("Bearer {token}");
    let decide = |ip: &'static str| {
        let (authorizer, header) = (&authorizer, header.clone());
        async move { authorizer.authorize_from(Some(&header), Organizations::Any, Some(ip)).await.expect("decided") }
    };
    assert!(matches!(decide("198.51.100.7").await, Decision::Allow(_)));
    let change = latchkey::domain::PolicyChange {
        allowed_ip_ranges: Some(latchkey::domain::IpRanges::parse(&["2001:db8::/32"], 50).unwrap()),
        ..Default::default()
    };
    store.update_organization_policy(org.id(), &change, Arc::new(|_| Ok(())), latchkey_tests::audit()).await.unwrap();
    assert!(matches!(decide("2001:db8::5").await, Decision::Allow(_)));
    assert!(matches!(decide("198.51.100.7").await, Decision::Deny(d) if d.reason == DenyReason::IpNotAllowed));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_tokens_keep_working_and_obey_the_policy_on_sqlite() {
    v1_tokens_keep_working_under_the_policy(latchkey_tests::sqlite_store().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_tokens_keep_working_and_obey_the_policy_on_dynamodb() {
    v1_tokens_keep_working_under_the_policy(latchkey_tests::dynamodb_store().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_policy_copy_is_an_authorizer_failure_never_no_policy() {
    let store = latchkey_tests::dynamodb_store_concrete().await;
    let clock = latchkey_tests::clock();
    let outcome = latchkey::operator::bootstrap(
        &store,
        clock.as_ref(),
        &latchkey::config::Config::default(),
        &latchkey::operator::OperatorRequest { organization: "copies".into(), owner_email: "o@example.com".into() },
    )
    .await
    .expect("bootstrap");
    let authorizer = Authorizer::new(Arc::new(store.clone()), clock.clone());
    let header = format!("Bearer {}", outcome.cli_token);
    let allowed = authorizer.authorize_from(Some(&header), Organizations::Any, Some("127.0.0.1")).await;
    assert!(matches!(allowed, Ok(Decision::Allow(_))));
    // Every copy the test's table may have (ORG_POLICY_COPIES is at most the bound).
    for copy in 0..latchkey::config::MAX_ORG_POLICY_COPIES {
        let key = std::collections::HashMap::from([
            (
                "pk".to_string(),
                aws_sdk_dynamodb::types::AttributeValue::S(format!("OPOL#{}#{copy}", outcome.organization_id)),
            ),
            ("sk".to_string(), aws_sdk_dynamodb::types::AttributeValue::S("Y".into())),
        ]);
        store.client().delete_item().table_name(store.table_name()).set_key(Some(key)).send().await.unwrap();
    }
    let failed = authorizer.authorize_from(Some(&header), Organizations::Any, Some("127.0.0.1")).await;
    assert!(failed.is_err(), "a missing copy must fail (503), not allow: {failed:?}");
    // A token naming an organization that does not exist is just not found: no failure.
    let stranger = Token::generate(Locator::new(
        CredentialKind::CliToken,
        OrganizationId::new_random(),
        PrincipalId::new_random(),
        latchkey::domain::CredentialId::new_random(),
    ))
    .unwrap();
    let unknown = authorizer.authorize(Some(&format!("Bearer {}", stranger.expose()))).await;
    assert!(matches!(unknown, Ok(Decision::Deny(d)) if d.reason == DenyReason::UnknownCredential));
    // The backfill writes the copies again (for organizations older than the copies).
    latchkey::store::Housekeeping::backfill_identity(&store, clock.now()).await.unwrap();
    let back = authorizer.authorize_from(Some(&header), Organizations::Any, Some("127.0.0.1")).await;
    assert!(matches!(back, Ok(Decision::Allow(_))), "{back:?}");
}

/// Counts the DynamoDB reads the authorizer's store makes.
#[derive(Debug, Default, Clone)]
struct Reads(Arc<std::sync::Mutex<Vec<&'static str>>>);

impl aws_sdk_dynamodb::config::Intercept for Reads {
    fn name(&self) -> &'static str {
        "Reads"
    }
    fn read_before_execution(
        &self,
        context: &aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        use aws_sdk_dynamodb::operation::{batch_get_item::BatchGetItemInput, get_item::GetItemInput};
        let input = context.input();
        let name = if input.downcast_ref::<BatchGetItemInput>().is_some() {
            "BatchGetItem"
        } else if input.downcast_ref::<GetItemInput>().is_some() {
            "GetItem"
        } else {
            "other"
        };
        self.0.lock().expect("not poisoned").push(name);
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v2_token_costs_one_batch_get_and_a_v1_token_one_more_read() {
    let plain = latchkey_tests::dynamodb_store_concrete().await;
    let reads = Reads::default();
    let config = plain.client().config().to_builder().interceptor(reads.clone()).build();
    let store = plain.with_client(aws_sdk_dynamodb::Client::from_conf(config));
    let clock = latchkey_tests::clock();
    let v2 = latchkey::operator::bootstrap(
        &store,
        clock.as_ref(),
        &latchkey::config::Config::default(),
        &latchkey::operator::OperatorRequest { organization: "reads".into(), owner_email: "o@example.com".into() },
    )
    .await
    .expect("bootstrap");
    let (_, v1) = organization_with_a_v1_token(&store).await;
    let authorizer = Authorizer::new(Arc::new(store.clone()), clock.clone());
    for (token, expected) in
        [(v2.cli_token.as_str(), vec!["BatchGetItem"]), (v1.as_str(), vec!["BatchGetItem", "GetItem"])]
    {
        // Used once, so the throttled last_used_at write is not part of what is counted.
        let header = format!("Bearer {token}");
        assert!(matches!(authorizer.authorize(Some(&header)).await, Ok(Decision::Allow(_))));
        reads.0.lock().unwrap().clear();
        assert!(matches!(authorizer.authorize(Some(&header)).await, Ok(Decision::Allow(_))));
        assert_eq!(*reads.0.lock().unwrap(), expected, "{} characters", token.len());
    }
}
