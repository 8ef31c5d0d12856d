//! One error format whoever answers (SPEC sections 5 and 7): every gateway response in
//! template.yaml is the problem+json the functions would send for the same code, with the
//! `type` of shared/src/api/problem.rs (`urn:latchkey:problem:<code>`).

use super::{entries, get, get_str, load, untag};
use latchkey::api::ApiError;
use latchkey::api::problem::problem;
use serde_json::Value as Json;
use std::collections::BTreeSet;

/// The gateway responses SPEC section 5 requires to be customised (AUTHORIZER_FAILURE is
/// section 2's fail-closed 503).
const REQUIRED: [&str; 6] = [
    "UNAUTHORIZED",
    "ACCESS_DENIED",
    "MISSING_AUTHENTICATION_TOKEN",
    "AUTHORIZER_FAILURE",
    "DEFAULT_4XX",
    "DEFAULT_5XX",
];

/// Every error the functions can answer, one per code.
fn api_errors() -> Vec<ApiError> {
    vec![
        ApiError::Unauthorized,
        ApiError::Forbidden(String::new()),
        ApiError::NotFound,
        ApiError::Conflict(String::new()),
        ApiError::Validation(String::new()),
        ApiError::PayloadTooLarge,
        ApiError::RateLimited,
        ApiError::Unavailable(String::new()),
        ApiError::Internal(String::new()),
    ]
}

#[test]
fn gateway_responses_are_the_functions_problem_json() {
    let template = load("template.yaml");
    let mut problems = Vec::new();
    let responses = get(&template, "Resources")
        .and_then(|r| get(r, "Api"))
        .and_then(|a| get(a, "Properties"))
        .and_then(|p| get(p, "GatewayResponses"));
    let declared: BTreeSet<String> = entries(responses).into_iter().map(|(name, _)| name).collect();
    for required in REQUIRED.iter().filter(|r| !declared.contains(**r)) {
        problems.push(format!("GatewayResponses.{required}: missing (the gateway would answer its own JSON)"));
    }

    for (name, response) in entries(responses) {
        let at = format!("GatewayResponses.{name}");
        let status =
            get(response, "StatusCode").map(untag).and_then(|s| s.as_u64().or_else(|| s.as_str()?.parse().ok()));
        let headers = get(response, "ResponseParameters").and_then(|p| get(p, "Headers"));
        if headers.and_then(|h| get_str(h, "Content-Type")) != Some("'application/problem+json'") {
            problems.push(format!("{at}: Content-Type must be 'application/problem+json'"));
        }
        let Some(body) = get(response, "ResponseTemplates").and_then(|t| get_str(t, "application/json")) else {
            problems.push(format!("{at}: no ResponseTemplates application/json body"));
            continue;
        };
        let body: Json = match serde_json::from_str(body) {
            Ok(b) => b,
            Err(e) => {
                problems.push(format!("{at}: body is not JSON: {e}"));
                continue;
            }
        };
        let keys: BTreeSet<&str> = body.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        if keys != BTreeSet::from(["type", "title", "status", "detail", "code"]) {
            problems.push(format!("{at}: body keys {keys:?}, expected type, title, status, detail, code"));
        }
        let code = body["code"].as_str().unwrap_or("");
        let Some(error) = api_errors().into_iter().find(|e| e.code() == code) else {
            problems.push(format!("{at}: code {code:?} is not one of the API's codes"));
            continue;
        };
        // The scheme itself comes from problem.rs, not from a copy of it here.
        let expected = problem(error.status(), code, error.title(), "");
        if body["type"].as_str() != Some(expected.type_.as_str()) {
            problems.push(format!("{at}: type {} is not the functions' {:?}", body["type"], expected.type_));
        }
        if body["title"].as_str() != Some(expected.title.as_str()) {
            problems
                .push(format!("{at}: title {} is not the functions' {:?} for {code}", body["title"], expected.title));
        }
        if body["status"].as_u64() != status || status != Some(u64::from(expected.status)) {
            problems.push(format!(
                "{at}: StatusCode {status:?} and body status {} must both be {} for {code}",
                body["status"], expected.status
            ));
        }
        if body["detail"].as_str().is_none_or(str::is_empty) {
            problems.push(format!("{at}: no detail"));
        }
    }
    assert!(problems.is_empty(), "template.yaml gateway responses:\n  - {}\n", problems.join("\n  - "));
}
