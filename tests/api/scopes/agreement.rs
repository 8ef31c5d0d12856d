//! One table of tokens through latchkey's authorizer (the Lambda handler, in front of a
//! protected API that accepts only the caller's organization) and through `POST /verify`:
//! the same decisions, for the same reasons.

use super::{TestApp, s, scoped_key};
use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequest;
use chrono::Duration;
use latchkey::auth::{Authorizer, Decision, Organizations, VerifyCode};
use latchkey::credential::{Locator, Token};
use latchkey::domain::{CredentialId, CredentialKind, OrganizationId, PrincipalId};
use latchkey::lambda::authorizer::{AuthorizerError, handle_event};
use latchkey::operator::{self, OperatorRequest};
use serde_json::{Value, json};
use std::str::FromStr;

/// The Lambda authorizer's answer to `token` (the context when allowed, `None` when it said
/// Unauthorized), with the stage variable `latchkeyOrganizations` when given.
pub async fn lambda_context(app: &TestApp, token: &str, organizations: Option<&str>) -> Option<Value> {
    let authorizer = Authorizer::new(app.store.clone(), app.clock.clone());
    let mut event = json!({
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/orders",
        "resource": "/orders",
        "path": "/orders",
        "httpMethod": "GET",
        "headers": {"authorization": format!("Bearer {token}")},
        "requestContext": {"requestId": "agreement"},
    });
    if let Some(list) = organizations {
        event["stageVariables"] = json!({ "latchkeyOrganizations": list });
    }
    let event: ApiGatewayCustomAuthorizerRequestTypeRequest =
        serde_json::from_value(event).expect("an authorizer event");
    match handle_event(&authorizer, event).await {
        Ok(response) => Some(response.context),
        Err(AuthorizerError::Unauthorized) => None,
        Err(AuthorizerError::Failure) => panic!("the authorizer failed"),
    }
}

/// Another organization in the same store, and its owner's CLI token.
async fn other_organization(app: &TestApp) -> (String, String) {
    let outcome = operator::bootstrap(
        app.store.as_ref(),
        app.clock.as_ref(),
        &app.config,
        &OperatorRequest {
            organization: format!("other-{}", uuid::Uuid::new_v4()),
            owner_email: "boss@other.example".into(),
        },
    )
    .await
    .expect("bootstrap another organization");
    (outcome.organization_id.to_string(), outcome.cli_token)
}

pub async fn the_authorizer_and_verify_decide_alike(app: &TestApp) {
    let valid = app.add_service_account("robot", None).await;
    let account = app.get("/service-accounts/robot", &app.owner_token).await;
    let account_id = PrincipalId::from_str(&s(&account.body["id"])).unwrap();
    let (scoped, meta) = scoped_key(app, "robot", json!(["orders:read"])).await;
    let (revoked, revoked_meta) = scoped_key(app, "robot", json!(null)).await;
    app.delete(&format!("/api-keys/{}", s(&revoked_meta["id"])), &app.owner_token).await.assert_status(204);
    let r = app.post("/tokens", &app.owner_token, json!({"lifespan_days": 1})).await;
    let expired = s(&r.assert_status(201)["token"]);
    let key_id = CredentialId::from_str(&s(&meta["id"])).unwrap();
    let wrong_secret = Token::generate(Locator {
        kind: CredentialKind::ApiKey,
        organization_id: None,
        owner_id: account_id,
        credential_id: key_id,
    })
    .unwrap()
    .expose()
    .to_string();
    let unknown = Token::generate(Locator {
        kind: CredentialKind::ApiKey,
        organization_id: None,
        owner_id: PrincipalId::new_random(),
        credential_id: CredentialId::new_random(),
    })
    .unwrap()
    .expose()
    .to_string();
    let mut bad_checksum = valid.clone();
    let last = bad_checksum.pop().unwrap();
    bad_checksum.push(if last == '0' { '1' } else { '0' });
    let (_, foreign) = other_organization(app).await;
    app.clock.advance(Duration::days(1) + Duration::seconds(1));

    let table: [(&str, &str, &str); 9] = [
        ("valid", &valid, "valid"),
        ("valid, scoped", &scoped, "valid"),
        ("garbage", "garbage", "malformed"),
        ("bad checksum", &bad_checksum, "malformed"),
        ("unknown credential", &unknown, "not_found"),
        ("wrong secret", &wrong_secret, "not_found"),
        ("revoked", &revoked, "revoked"),
        ("expired", &expired, "expired"),
        ("another organization's", &foreign, "not_found"),
    ];
    let own = OrganizationId::from_str(&app.organization_id).unwrap();
    let authorizer = Authorizer::new(app.store.clone(), app.clock.clone());
    for (what, token, code) in table {
        let r = app.post("/verify", &app.owner_token, json!({ "token": token })).await;
        let verified = r.assert_status(200).clone();
        assert_eq!(verified["code"], code, "verify: {what}");
        assert_eq!(verified["valid"], code == "valid", "verify: {what}");
        // The authorizer in front of an API that accepts this organization only.
        let context = lambda_context(app, token, Some(&app.organization_id)).await;
        assert_eq!(context.is_some(), code == "valid", "authorizer: {what}");
        // And for the same reason: the decision both run, mapped to verify's codes.
        let decision = authorizer.decide(token, Organizations::Only(&[own])).await.unwrap();
        let decided = match &decision {
            Decision::Allow(_) => VerifyCode::Valid,
            Decision::Deny(denial) => VerifyCode::of(denial.reason),
        };
        assert_eq!(decided.as_str(), code, "decision: {what}");
        if let (Some(ctx), Some(credential)) = (&context, verified["credential"].as_object()) {
            assert_eq!(ctx["credential_id"], credential["id"], "{what}");
            assert_eq!(ctx["principal_id"], verified["principal"]["id"], "{what}");
        }
    }
}

pub async fn a_protected_api_accepts_only_its_organizations(app: &TestApp) {
    let (other_id, foreign) = other_organization(app).await;
    let own = app.organization_id.clone();
    // No list: every organization's credential, with its organization in the context.
    let ctx = lambda_context(app, &foreign, None).await.expect("no list accepts every organization");
    assert_eq!(ctx["organization_id"], other_id.as_str());
    assert_eq!(lambda_context(app, &app.owner_token, None).await.unwrap()["organization_id"], own.as_str());
    // A list: only those; blanks and spaces around ids are fine, a typo matches nothing.
    assert!(lambda_context(app, &foreign, Some(&own)).await.is_none());
    assert!(lambda_context(app, &app.owner_token, Some(&own)).await.is_some());
    let both = format!(" {own} , {other_id} ");
    assert!(lambda_context(app, &foreign, Some(&both)).await.is_some());
    assert!(lambda_context(app, &app.owner_token, Some(&both)).await.is_some());
    assert!(lambda_context(app, &app.owner_token, Some("not-an-id")).await.is_none());
    assert!(lambda_context(app, &app.owner_token, Some("")).await.is_some(), "an empty variable is no list");
}
