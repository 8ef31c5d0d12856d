//! The organization and its policy (SPEC section 11, the parts that have landed): reading it,
//! who may change it, validation, the self-lockout guard, the access-token lifetime limit, and
//! its audit event. Run by every arm of the walk (tests/api/walk.rs).

use chrono::{DateTime, Utc};
use latchkey_tests::app::TestApp;
use serde_json::{Value, json};

fn lifespan_days(info: &Value) -> i64 {
    let created: DateTime<Utc> = serde_json::from_value(info["created_at"].clone()).expect("created_at");
    let expires: DateTime<Utc> = serde_json::from_value(info["expires_at"].clone()).expect("expires_at");
    (expires - created).num_days()
}

pub(crate) async fn the_organization_policy_is_read_by_members_and_changed_by_persistent_owners(app: &TestApp) {
    let owner = app.owner_token.clone();
    let (_, carol) = app.add_user("carol@example.com", json!({"roles": ["TokenCreator"]})).await;
    let org = app.get("/organization", &carol).await.assert_status(200).clone();
    assert_eq!(org["id"], app.organization_id.as_str());
    assert_eq!(
        org["policy"],
        json!({"access_token_max_days": app.config.access_token_max_days, "api_key_max_days": null, "allowed_ip_ranges": []})
    );

    // Who may change it: not a collaborator, not an owner's access token, not a scoped key.
    let change = json!({"policy": {"access_token_max_days": 10}});
    app.patch("/organization", &carol, change.clone()).await.assert_problem(403, "forbidden");
    let access = app.post("/tokens", &owner, json!({"lifespan_days": 1})).await.assert_status(201)["token"].clone();
    app.patch("/organization", access.as_str().unwrap(), change.clone()).await.assert_problem(403, "forbidden");

    // Bad values: 400, and nothing changes.
    for bad in [
        json!({"policy": {"access_token_max_days": 0}}),
        json!({"policy": {"access_token_max_days": app.config.access_token_max_days + 1}}),
        json!({"policy": {"api_key_max_days": 3651}}),
        json!({"policy": {"allowed_ip_ranges": ["10.0.0.1/8"]}}),
        json!({"policy": {"allowed_ip_ranges": ["not-an-address"]}}),
        json!({"policy": {"allowed_ip_ranges": vec!["10.0.0.0/8"; 51]}}),
        json!({"policy": {}}),
        json!({"policy": {"colour": "red"}}),
        json!({}),
    ] {
        app.patch("/organization", &owner, bad.clone()).await.assert_problem(400, "validation_failed");
    }
    assert_eq!(app.get("/organization", &owner).await.assert_status(200), &org);

    // A policy that would shut out this request's own address is refused, unchanged.
    app.patch("/organization", &owner, json!({"policy": {"allowed_ip_ranges": ["10.0.0.0/8"]}}))
        .await
        .assert_problem(409, "conflict");
    assert_eq!(app.get("/organization", &owner).await.assert_status(200), &org);
    // Ranges that keep it in are stored in canonical form, IPv4 and IPv6.
    let ranges = json!({"policy": {"allowed_ip_ranges": ["2001:DB8::/32", "127.0.0.1", "127.0.0.0/8"]}});
    let r = app.patch("/organization", &owner, ranges).await;
    assert_eq!(
        r.assert_status(200)["policy"]["allowed_ip_ranges"],
        json!(["127.0.0.0/8", "127.0.0.1/32", "2001:db8::/32"])
    );
    app.patch("/organization", &owner, json!({"policy": {"allowed_ip_ranges": []}})).await.assert_status(200);

    // The access-token limit applies to new tokens, owners' included; the default shrinks to it.
    let r =
        app.patch("/organization", &owner, json!({"policy": {"access_token_max_days": 10, "api_key_max_days": 90}}));
    let v = r.await.assert_status(200).clone();
    assert_eq!((&v["policy"]["access_token_max_days"], &v["policy"]["api_key_max_days"]), (&json!(10), &json!(90)));
    app.post("/tokens", &owner, json!({"lifespan_days": 11})).await.assert_problem(400, "validation_failed");
    app.post("/tokens", &carol, json!({"lifespan_days": 11})).await.assert_problem(400, "validation_failed");
    let made = app.post("/tokens", &carol, json!({})).await.assert_status(201).clone();
    assert_eq!(lifespan_days(&made["token_info"]), 10);
    let made = app.post("/tokens", &owner, json!({"lifespan_days": 10})).await.assert_status(201).clone();
    assert_eq!(lifespan_days(&made["token_info"]), 10);

    // api_key_max_days: a key asked for without a lifespan gets it, a longer one is refused.
    let first = app.post("/service-accounts", &owner, json!({"name": "bounded"})).await.assert_status(201).clone();
    let bounded = app.get("/service-accounts/bounded/api-keys", &owner).await.assert_status(200).clone();
    assert_eq!(lifespan_days(&bounded["items"][0]), 90, "{first}");
    app.post("/service-accounts/bounded/api-keys", &owner, json!({"lifespan_days": 91}))
        .await
        .assert_problem(400, "validation_failed");
    let key = app.post("/service-accounts/bounded/api-keys", &owner, json!({})).await.assert_status(201).clone();
    assert_eq!(lifespan_days(&key["key"]), 90);
    let key = app.post("/service-accounts/bounded/api-keys", &owner, json!({"lifespan_days": 7})).await;
    assert_eq!(lifespan_days(&key.assert_status(201)["key"]), 7);

    // Its audit event says what changed; the same values again write none.
    let events = app.get("/audit-events?action=organization.policy_updated", &owner).await.assert_status(200).clone();
    let newest = &events["items"][0];
    assert_eq!(newest["details"]["access_token_max_days"], json!({"before": null, "after": 10}));
    assert_eq!(newest["target"]["type"], "organization");
    let count = events["items"].as_array().unwrap().len();
    app.patch("/organization", &owner, json!({"policy": {"access_token_max_days": 10}})).await.assert_status(200);
    let again = app.get("/audit-events?action=organization.policy_updated", &owner).await.assert_status(200).clone();
    assert_eq!(again["items"].as_array().unwrap().len(), count, "a PATCH to the same values writes no event");
    // `api_key_max_days: null` lifts that limit.
    let r = app.patch("/organization", &owner, json!({"policy": {"api_key_max_days": null}})).await;
    assert_eq!(r.assert_status(200)["policy"]["api_key_max_days"], Value::Null);
}
