//! The events function and what feeds it (SPEC section 8, "Events leave the table"): the
//! table's stream of new images, one DynamoDB event on it filtered to new primary audit
//! items, partial batch responses, bounded retries, a dead-letter queue, the bus.

use super::{STREAM, finish, get, get_str, load, logical_id, tag_of, untag};
use serde_norway::Value;

fn is_tagged(v: Option<&Value>, tag: &str, text: &str) -> bool {
    v.is_some_and(|v| tag_of(v).as_deref() == Some(tag) && untag(v).as_str() == Some(text))
}

#[test]
fn the_events_function_is_fed_by_the_tables_stream_and_publishes_to_the_bus() {
    let template = load("template.yaml");
    let resources = get(&template, "Resources").expect("Resources");
    let mut problems = Vec::new();

    let table = get(resources, "Table").and_then(|t| get(t, "Properties"));
    let view = table.and_then(|t| get(t, "StreamSpecification")).and_then(|s| get_str(s, "StreamViewType"));
    if view != Some("NEW_IMAGE") {
        problems.push(format!("Table: StreamSpecification.StreamViewType must be NEW_IMAGE, is {view:?}"));
    }
    let bus = get(resources, "EventBus").and_then(|b| get_str(b, "Type"));
    if bus != Some("AWS::Events::EventBus") {
        problems.push(format!("EventBus: must be an AWS::Events::EventBus, is {bus:?}"));
    }
    let output = get(&template, "Outputs").and_then(|o| get(o, "EventBusName")).and_then(|o| get(o, "Value"));
    if !is_tagged(output, "!Ref", "EventBus") {
        problems.push(format!("Outputs.EventBusName must be !Ref EventBus, is {output:?}"));
    }

    for function in STREAM {
        let id = logical_id(function);
        let properties = get(resources, &id).and_then(|f| get(f, "Properties"));
        let bus_env = properties
            .and_then(|p| get(p, "Environment"))
            .and_then(|e| get(e, "Variables"))
            .and_then(|v| get(v, "EVENT_BUS_NAME"));
        if !is_tagged(bus_env, "!Ref", "EventBus") {
            problems.push(format!("{id}: EVENT_BUS_NAME must be !Ref EventBus"));
        }
        let events = super::entries(properties.and_then(|p| get(p, "Events")));
        let [(name, event)] = events.as_slice() else {
            problems.push(format!("{id}: needs exactly one event (the table's stream), has {}", events.len()));
            continue;
        };
        let at = format!("{id}.Events.{name}");
        if get_str(event, "Type") != Some("DynamoDB") {
            problems.push(format!("{at}: Type must be DynamoDB"));
        }
        let p = get(event, "Properties");
        let field = |k: &str| p.and_then(|p| get(p, k));
        if !is_tagged(field("Stream"), "!GetAtt", "Table.StreamArn") {
            problems.push(format!("{at}: Stream must be !GetAtt Table.StreamArn"));
        }
        let retries = field("MaximumRetryAttempts").and_then(Value::as_i64);
        if !retries.is_some_and(|r| (0..=10).contains(&r)) {
            problems.push(format!("{at}: MaximumRetryAttempts must be bounded (0..=10), is {retries:?}"));
        }
        if field("BisectBatchOnFunctionError").and_then(Value::as_bool) != Some(true) {
            problems.push(format!("{at}: BisectBatchOnFunctionError must be true"));
        }
        let responses: Vec<&str> = field("FunctionResponseTypes")
            .and_then(Value::as_sequence)
            .map(|s| s.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if responses != ["ReportBatchItemFailures"] {
            problems.push(format!("{at}: FunctionResponseTypes must be [ReportBatchItemFailures]"));
        }
        let on_failure = field("DestinationConfig").and_then(|d| get(d, "OnFailure"));
        if on_failure.and_then(|o| get_str(o, "Type")) != Some("SQS")
            || !is_tagged(on_failure.and_then(|o| get(o, "Destination")), "!GetAtt", "EventsDeadLetterQueue.Arn")
        {
            problems
                .push(format!("{at}: DestinationConfig.OnFailure must be Type SQS, !GetAtt EventsDeadLetterQueue.Arn"));
        }
        let patterns: Vec<serde_json::Value> = field("FilterCriteria")
            .and_then(|f| get(f, "Filters"))
            .and_then(Value::as_sequence)
            .map(|s| {
                s.iter().filter_map(|f| get_str(f, "Pattern")).filter_map(|p| serde_json::from_str(p).ok()).collect()
            })
            .unwrap_or_default();
        let wanted = serde_json::json!({"eventName": ["INSERT"], "dynamodb": {"NewImage": {"item_type": {"S": ["audit_event"]}}}});
        if patterns != [wanted.clone()] {
            problems.push(format!("{at}: FilterCriteria must be the one pattern {wanted}, is {patterns:?}"));
        }
    }
    finish("template.yaml (events)", problems);
}
