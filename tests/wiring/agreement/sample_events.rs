//! The sample events: `infra/events/<function>.json` exists for every function and is an event
//! that function accepts (a REST proxy event for one of its routes, an authorizer event, an
//! operator request, a schedule, a stream batch).

use super::{ROUTELESS, SCHEDULED, STREAM, compare, finish, repo_root};
use latchkey::api::{Access, ROUTES};
use std::collections::BTreeSet;

/// `infra/events/<function>.json` exists for every function and is an event that function
/// accepts: an API Gateway REST proxy event (payload 1.0) for one of its routes, carrying
/// the authorizer context of `latchkey::auth::context` on protected routes; a REQUEST
/// authorizer event; the operator request for bootstrap and recover.
#[test]
fn sample_events_fit_their_functions() {
    use lambda_http::RequestExt;
    use lambda_http::request::RequestContext;

    let dir = repo_root().join("infra/events");
    let mut problems = Vec::new();
    let expected: BTreeSet<String> =
        ROUTES.iter().map(|r| r.function).chain(ROUTELESS).chain(SCHEDULED).chain(STREAM).map(String::from).collect();
    let present: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".json").map(String::from))
        .collect();
    compare(&mut problems, "infra/events/<function>.json files", &expected, &present);

    for function in expected.intersection(&present) {
        let file = format!("infra/events/{function}.json");
        let text = std::fs::read_to_string(repo_root().join(&file)).expect("listed above");
        match function.as_str() {
            "bootstrap" | "recover" => {
                if let Err(e) = serde_json::from_str::<latchkey::operator::OperatorRequest>(&text) {
                    problems.push(format!("{file}: not an operator request: {e}"));
                }
            }
            "housekeeping" | "expiry-notices" => {
                match serde_json::from_str::<aws_lambda_events::eventbridge::EventBridgeEvent>(&text) {
                    Ok(event) if event.detail_type == "Scheduled Event" && event.source == "aws.events" => {}
                    Ok(_) => problems.push(format!("{file}: needs detail-type Scheduled Event from aws.events")),
                    Err(e) => problems.push(format!("{file}: not an EventBridge event: {e}")),
                }
            }
            "events" => match serde_json::from_str::<aws_lambda_events::dynamodb::Event>(&text) {
                Err(e) => problems.push(format!("{file}: not a DynamoDB Streams event: {e}")),
                Ok(event) => {
                    let audit = |r: &aws_lambda_events::dynamodb::EventRecord| {
                        let image: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> =
                            r.change.new_image.clone().into();
                        r.event_name == "INSERT"
                            && latchkey::store::dynamodb::audit_event_in_image(&image).is_ok_and(|e| e.is_some())
                    };
                    if event.records.is_empty() || !event.records.iter().all(audit) {
                        problems.push(format!("{file}: every record must be an INSERT of an audit event item"));
                    }
                }
            },
            "authorizer" => match serde_json::from_str::<
                aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequest,
            >(&text)
            {
                Err(e) => problems.push(format!("{file}: not a REQUEST authorizer event: {e}")),
                Ok(event) => {
                    if event.type_.as_deref() != Some("REQUEST")
                        || event.method_arn.is_none()
                        || !event.headers.contains_key("authorization")
                    {
                        problems.push(format!("{file}: needs type REQUEST, a methodArn and an Authorization header"));
                    }
                }
            },
            _ => {
                let request = match lambda_http::request::from_str(&text) {
                    Ok(r) => r,
                    Err(e) => {
                        problems.push(format!("{file}: not an API Gateway REST proxy event: {e}"));
                        continue;
                    }
                };
                let Some(RequestContext::ApiGatewayV1(ctx)) = request.request_context_ref() else {
                    problems.push(format!("{file}: not a REST API (payload 1.0) event"));
                    continue;
                };
                let method = request.method().as_str();
                let resource = ctx.resource_path.as_deref().unwrap_or("");
                let Some(route) =
                    ROUTES.iter().find(|r| r.function == function && r.method == method && r.path == resource)
                else {
                    problems.push(format!("{file}: {method} {resource} is not a route of function {function}"));
                    continue;
                };
                let stage = ctx.stage.as_deref().unwrap_or("");
                if stage.is_empty() || !ctx.path.as_deref().unwrap_or("").starts_with(&format!("/{stage}/")) {
                    problems.push(format!("{file}: requestContext.path must carry the stage prefix /{stage}/"));
                }
                let params: BTreeSet<String> = request.path_parameters().iter().map(|(k, _)| k.to_string()).collect();
                let wanted: BTreeSet<String> = route
                    .path
                    .split('/')
                    .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                    .map(String::from)
                    .collect();
                compare(&mut problems, &format!("{file} pathParameters"), &wanted, &params);
                for (name, _) in request.query_string_parameters().iter() {
                    if !route.query.contains(&name) {
                        problems
                            .push(format!("{file}: query parameter {name:?} is not accepted by {method} {resource}"));
                    }
                }
                if route.access != Access::Public {
                    let fields = &ctx.authorizer.fields;
                    if let Err(e) = latchkey::auth::context::from_context(|k| fields.get(k).and_then(|v| v.as_str())) {
                        problems.push(format!("{file}: requestContext.authorizer: {e}"));
                    }
                }
            }
        }
    }
    finish("infra/events", problems);
}
