//! The table's `ttl` attribute (purge time, epoch seconds) on access tokens, read from the
//! raw items: expiry + retention while active or expired, revocation + retention once
//! revoked, and absent on credentials that never expire. Runs against DynamoDB (moto).

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};
use latchkey::config::Config;
use latchkey::store::dynamodb::DynamoDbStore;
use latchkey_tests::app::spawn_app;
use serde_json::json;
use std::sync::Arc;

async fn raw_ttl(store: &DynamoDbStore, credential_id: &str) -> Option<i64> {
    let item = store
        .client()
        .get_item()
        .table_name(store.table_name())
        .key("pk", AttributeValue::S(format!("C#{credential_id}")))
        .key("sk", AttributeValue::S("C".into()))
        .consistent_read(true)
        .send()
        .await
        .expect("GetItem")
        .item
        .expect("the credential item exists");
    item.get("ttl").map(|v| v.as_n().expect("ttl is a Number").parse().expect("ttl is an integer"))
}

fn time(v: &serde_json::Value) -> DateTime<Utc> {
    serde_json::from_value(v.clone()).expect("an RFC 3339 time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ttl_is_expiry_or_revocation_plus_retention() {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").ok().filter(|e| !e.is_empty());
    assert!(endpoint.is_some(), "set DYNAMODB_ENDPOINT or run scripts/test");
    let table = format!("latchkey-ttl-{}", uuid::Uuid::new_v4());
    let config =
        Config::from_lookup(|k| if k == "TABLE_NAME" { Some(table.clone()) } else { std::env::var(k).ok() }).unwrap();
    let store = DynamoDbStore::from_config(&config).await.unwrap();
    store.create_table_if_missing().await.unwrap();
    let app = spawn_app(Arc::new(store.clone())).await;
    let retention = Duration::days(i64::from(app.config.retention_days));

    // Never-expiring credentials carry no ttl.
    let cli_id = app.get("/me", &app.owner_token).await.body["credential"]["id"].as_str().unwrap().to_string();
    assert_eq!(raw_ttl(&store, &cli_id).await, None);

    // Active: expiry + retention.
    let active = app.post("/tokens", &app.owner_token, json!({"lifespan_days": 2})).await;
    let info = active.assert_status(201)["token_info"].clone();
    let active_id = info["id"].as_str().unwrap().to_string();
    let expected = (time(&info["expires_at"]) + retention).timestamp();
    assert_eq!(raw_ttl(&store, &active_id).await, Some(expected));

    // Expired (by the clock; TTL has not purged it): still expiry + retention, and listable.
    let short = app.post("/tokens", &app.owner_token, json!({"lifespan_days": 1})).await;
    let short_info = short.assert_status(201)["token_info"].clone();
    let short_id = short_info["id"].as_str().unwrap().to_string();
    app.clock.advance(Duration::days(1) + Duration::minutes(1));
    let listed = app.get("/tokens?show_inactive=true", &app.owner_token).await.body;
    let status =
        listed["items"].as_array().unwrap().iter().find(|t| t["id"] == short_id.as_str()).unwrap()["status"].clone();
    assert_eq!(status, "expired");
    assert_eq!(raw_ttl(&store, &short_id).await, Some((time(&short_info["expires_at"]) + retention).timestamp()));

    // Revoked: revocation + retention.
    let revoked = app.patch(&format!("/tokens/{active_id}"), &app.owner_token, json!({"revoked": true})).await;
    let revoked_at = time(&revoked.assert_status(200)["revoked_at"]);
    assert_eq!(raw_ttl(&store, &active_id).await, Some((revoked_at + retention).timestamp()));
}
