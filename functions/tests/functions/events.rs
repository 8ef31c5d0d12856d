//! The built `events` binary under the Runtime API stand-in, fed DynamoDB Streams events
//! (the envelope of infra/events/events.json, new images read back from a table on moto),
//! publishing to moto's EventBridge: a rule on the bus delivers to an SQS queue this test
//! reads.

use latchkey::config::Config;
use latchkey::domain::AuditEvent;
use latchkey::store::Store;
use latchkey::store::dynamodb::DynamoDbStore;
use latchkey_tests::event_bus::{BusToQueue, moto_endpoint};
use latchkey_tests::runtime::LambdaProcess;
use serde_json::{Map, Value, json};
use std::path::Path;

/// The sample event; its first record is the envelope every record here is built from.
fn sample() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/events/events.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("infra/events/events.json")).expect("JSON")
}

/// A stream record (INSERT) with `image` as its new image and keys.
fn record(image: &Value, sequence: &str) -> Value {
    let mut record = sample()["Records"][0].clone();
    record["dynamodb"]["NewImage"] = image.clone();
    record["dynamodb"]["Keys"] = json!({"pk": image["pk"], "sk": image["sk"]});
    record["dynamodb"]["SequenceNumber"] = json!(sequence);
    record
}

/// A DynamoDB item in the stream's JSON (audit items hold only strings and numbers).
fn stream_image(item: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>) -> Value {
    use aws_sdk_dynamodb::types::AttributeValue;
    let mut out = Map::new();
    for (name, value) in item {
        let value = match value {
            AttributeValue::S(v) => json!({"S": v}),
            AttributeValue::N(v) => json!({"N": v}),
            other => panic!("audit items hold S and N attributes, not {other:?}"),
        };
        out.insert(name.clone(), value);
    }
    Value::Object(out)
}

/// A table on moto with the events of one bootstrap; its primary audit items (new images,
/// as the stream carries them) and their events.
async fn audit_items() -> Vec<(Value, AuditEvent)> {
    let endpoint = moto_endpoint();
    let table = format!("latchkey-events-{}", uuid::Uuid::new_v4());
    let lookup = |k: &str| match k {
        "TABLE_NAME" => Some(table.clone()),
        "DYNAMODB_ENDPOINT" => Some(endpoint.clone()),
        _ => None,
    };
    let config = Config::from_lookup(lookup).expect("config");
    let store = DynamoDbStore::from_config(&config).await.expect("DynamoDB client");
    store.create_table_if_missing().await.expect("create table");
    let request =
        latchkey::operator::OperatorRequest { organization: "acme".into(), owner_email: "admin@acme.com".into() };
    latchkey::operator::run(
        latchkey::operator::OperatorAction::Bootstrap,
        &store,
        &latchkey::clock::SystemClock,
        &config,
        &request,
    )
    .await
    .expect("bootstrap");
    let scan = store
        .client()
        .scan()
        .table_name(&table)
        .filter_expression("item_type = :t")
        .expression_attribute_values(":t", aws_sdk_dynamodb::types::AttributeValue::S("audit_event".into()))
        .send()
        .await
        .expect("Scan");
    let mut out: Vec<(Value, AuditEvent)> = scan
        .items()
        .iter()
        .map(|item| {
            let event = latchkey::store::dynamodb::audit_event_in_image(item).expect("decodes").expect("an event");
            (stream_image(item), event)
        })
        .collect();
    out.sort_by_key(|(_, e)| e.id);
    let _: &dyn Store = &store;
    out
}

fn environment(bus: &str) -> Vec<(String, String)> {
    [
        ("EVENT_BUS_NAME", bus),
        ("AWS_ENDPOINT_URL", moto_endpoint().as_str()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_SESSION_TOKEN", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("RUST_LOG", "info"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

async fn invoke(bus: &str, records: Vec<Value>) -> Value {
    let mut function = LambdaProcess::spawn(Path::new(env!("CARGO_BIN_EXE_events")), &environment(bus)).await;
    let out = function.invoke(json!({ "Records": records })).await;
    function.stop().await;
    out.response().clone()
}

fn failures(response: &Value) -> Vec<String> {
    let items =
        response["batchItemFailures"].as_array().unwrap_or_else(|| panic!("a partial batch response: {response}"));
    items.iter().map(|f| f["itemIdentifier"].as_str().expect("itemIdentifier").to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_audit_event_of_a_stream_batch_reaches_the_bus_once() {
    let items = audit_items().await;
    assert!(items.len() >= 2, "a bootstrap writes at least two events: {}", items.len());
    let items = &items[..2];
    let bus = BusToQueue::create(&moto_endpoint()).await;
    // An audit copy in the batch (the mapping's filter keeps them out; the function skips
    // them anyway) is no failure and no event.
    let mut copy = items[0].0.clone();
    copy["item_type"] = json!({"S": "audit_copy"});
    let records = vec![record(&items[0].0, "100"), record(&copy, "150"), record(&items[1].0, "200")];
    let response = invoke(&bus.bus, records).await;
    assert_eq!(failures(&response), Vec::<String>::new(), "{response}");

    let received = bus.received(2).await;
    assert_eq!(received.len(), 2, "each event once: {received:#?}");
    for (_, event) in items {
        let delivered: Vec<&Value> =
            received.iter().filter(|m| m["detail"]["id"] == json!(event.id.to_string())).collect();
        assert_eq!(delivered.len(), 1, "{} arrived once: {received:#?}", event.id);
        let m = delivered[0];
        assert_eq!(m["source"], "latchkey");
        assert_eq!(m["detail-type"], event.action.as_str());
        let wire = serde_json::to_value(latchkey::api::audit_event_view(event)).expect("wire");
        assert_eq!(m["detail"], wire, "the detail is GET /audit-events/{{id}}'s body");
    }

    // The sample event as it is: one event published.
    let response = invoke(&bus.bus, sample()["Records"].as_array().expect("Records").clone()).await;
    assert_eq!(failures(&response), Vec::<String>::new(), "{response}");
    let received = bus.received(1).await;
    assert_eq!(received.len(), 1, "{received:#?}");
    assert_eq!(received[0]["detail-type"], "user.created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_partial_batch_answer_names_exactly_the_records_not_published() {
    let items = audit_items().await;
    let bus = BusToQueue::create(&moto_endpoint()).await;

    // An event over EventBridge's 256 KiB limit: it can never be published (and would make
    // EventBridge refuse the whole call), so the function fails that entry alone.
    let (image, event) = &items[0];
    let mut huge = event.clone();
    huge.details = json!({ "padding": "x".repeat(latchkey::events::MAX_REQUEST_BYTES) });
    let mut huge_image = image.clone();
    huge_image["event"] = json!({"S": serde_json::to_string(&huge).expect("JSON")});
    let records = vec![record(&items[1].0, "300"), record(&huge_image, "400"), record(&items[0].0, "500")];
    let response = invoke(&bus.bus, records).await;
    assert_eq!(failures(&response), ["400"], "{response}");
    let received = bus.received(2).await;
    let mut ids: Vec<String> = received.iter().map(|m| m["detail"]["id"].as_str().unwrap_or("").to_string()).collect();
    ids.sort();
    let mut wanted = vec![items[0].1.id.to_string(), items[1].1.id.to_string()];
    wanted.sort();
    assert_eq!(ids, wanted, "the others were published, once each");

    // An audit item whose event cannot be read is named too.
    let mut corrupt = image.clone();
    corrupt["event"] = json!({"S": "{not an event"});
    let response = invoke(&bus.bus, vec![record(&corrupt, "600"), record(&items[1].0, "700")]).await;
    assert_eq!(failures(&response), ["600"], "{response}");
    assert_eq!(bus.received(1).await.len(), 1);

    // PutEvents itself fails (moto: no such bus): every record of the call is named.
    let response = invoke("no-such-bus", vec![record(&items[0].0, "800"), record(&items[1].0, "900")]).await;
    assert_eq!(failures(&response), ["800", "900"], "{response}");
}
