//! Every denial leaves a trace; no trace holds a secret (SPEC section 7): the REST stage
//! writes a JSON access log with the fields below to a log group with the retention of the
//! template parameter `LogRetentionDays`, every function logs to a group with that retention,
//! and nothing logs request headers or bodies (where the bearer token travels).

use super::{ROUTELESS, entries, get, get_str, load, logical_id, tag_of, untag};
use latchkey::api::ROUTES;
use serde_json::Value as Json;
use serde_norway::Value;
use std::collections::BTreeSet;

/// The retention periods CloudWatch Logs accepts (RetentionInDays).
const CLOUDWATCH_RETENTION_DAYS: [u64; 22] =
    [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/// What each access log line must carry: request id, source IP, method, resource path,
/// status, the authorizer's error and principal id, latency.
const ACCESS_LOG_VARIABLES: [&str; 8] = [
    "$context.requestId",
    "$context.identity.sourceIp",
    "$context.httpMethod",
    "$context.resourcePath",
    "$context.status",
    "$context.authorizer.error",
    "$context.authorizer.principalId",
    "$context.responseLatency",
];

/// Variables that would copy what the caller sent (the Authorization header included).
const FORBIDDEN_IN_LOGS: [&str; 4] = ["$input", "header", "authorization", "$context.requestOverride"];

fn ref_name(v: Option<&Value>) -> Option<&str> {
    let v = v?;
    (tag_of(v).as_deref() == Some("!Ref")).then(|| untag(v).as_str()).flatten()
}

/// `!GetAtt X.Arn` → X.
fn arn_of(v: Option<&Value>) -> Option<&str> {
    let v = v?;
    (tag_of(v).as_deref() == Some("!GetAtt")).then(|| untag(v).as_str()?.strip_suffix(".Arn")).flatten()
}

/// Whether `name` is an AWS::Logs::LogGroup kept `LogRetentionDays` days.
fn retained_group(resources: Option<&Value>, name: &str) -> bool {
    let group = resources.and_then(|r| get(r, name));
    group.and_then(|g| get_str(g, "Type")) == Some("AWS::Logs::LogGroup")
        && ref_name(group.and_then(|g| get(g, "Properties")).and_then(|p| get(p, "RetentionInDays")))
            == Some("LogRetentionDays")
}

#[test]
fn the_stage_and_every_function_log_with_a_retention_period() {
    let template = load("template.yaml");
    let resources = get(&template, "Resources");
    let mut problems = Vec::new();

    // The parameter.
    let parameter = get(&template, "Parameters").and_then(|p| get(p, "LogRetentionDays"));
    match parameter {
        None => problems.push("Parameters.LogRetentionDays: missing".into()),
        Some(p) => {
            let number = |v: &Value| untag(v).as_u64().or_else(|| untag(v).as_str()?.parse().ok());
            if get(p, "Default").and_then(number) != Some(90) {
                problems.push("Parameters.LogRetentionDays: Default must be 90".into());
            }
            let allowed: BTreeSet<u64> = get(p, "AllowedValues")
                .map(untag)
                .and_then(Value::as_sequence)
                .map(|s| s.iter().filter_map(number).collect())
                .unwrap_or_default();
            if allowed != BTreeSet::from(CLOUDWATCH_RETENTION_DAYS) {
                problems.push(format!(
                    "Parameters.LogRetentionDays: AllowedValues {allowed:?} \
                     must be CloudWatch's {CLOUDWATCH_RETENTION_DAYS:?}"
                ));
            }
        }
    }

    // Every log group of the template keeps its events LogRetentionDays days.
    for (name, resource) in entries(resources) {
        if get_str(resource, "Type") == Some("AWS::Logs::LogGroup") && !retained_group(resources, &name) {
            problems.push(format!("{name}: a log group without RetentionInDays !Ref LogRetentionDays"));
        }
    }

    // The stage's access log.
    let api = resources.and_then(|r| get(r, "Api")).and_then(|a| get(a, "Properties"));
    let access_log = api.and_then(|a| get(a, "AccessLogSetting"));
    match arn_of(access_log.and_then(|s| get(s, "DestinationArn"))) {
        Some(group) if retained_group(resources, group) => {}
        other => problems.push(format!(
            "Api.AccessLogSetting.DestinationArn must be !GetAtt <log group>.Arn \
             of a group kept LogRetentionDays days, is {other:?}"
        )),
    }
    match access_log.and_then(|s| get_str(s, "Format")).map(serde_json::from_str::<Json>) {
        None => problems.push("Api.AccessLogSetting.Format: missing".into()),
        Some(Err(e)) => problems.push(format!("Api.AccessLogSetting.Format: not JSON: {e}")),
        Some(Ok(format)) => {
            let values: BTreeSet<String> = format
                .as_object()
                .map(|o| o.values().filter_map(Json::as_str).map(String::from).collect())
                .unwrap_or_default();
            for variable in ACCESS_LOG_VARIABLES.iter().filter(|v| !values.contains(**v)) {
                problems.push(format!("Api.AccessLogSetting.Format: no field logs {variable}"));
            }
            for value in &values {
                if FORBIDDEN_IN_LOGS.iter().any(|f| value.to_ascii_lowercase().contains(&f.to_ascii_lowercase())) {
                    problems.push(format!("Api.AccessLogSetting.Format: {value} would log what the caller sent"));
                }
            }
        }
    }
    // Execution logs with data tracing would copy whole requests, the Authorization header included.
    for setting in
        api.and_then(|a| get(a, "MethodSettings")).map(untag).and_then(Value::as_sequence).into_iter().flatten()
    {
        if get(setting, "DataTraceEnabled").map(untag).is_some_and(|v| v.as_bool() != Some(false)) {
            problems.push("Api.MethodSettings: DataTraceEnabled logs request headers (the bearer token)".into());
        }
    }
    // API Gateway writes access logs with the account's CloudWatch role.
    let account = entries(resources).into_iter().find(|(_, r)| get_str(r, "Type") == Some("AWS::ApiGateway::Account"));
    match account {
        None => {
            problems.push("no AWS::ApiGateway::Account: API Gateway has no role to write the access log with".into())
        }
        Some((name, account)) => {
            let role = arn_of(get(account, "Properties").and_then(|p| get(p, "CloudWatchRoleArn")));
            let role = role.and_then(|r| resources.and_then(|rs| get(rs, r)));
            if role.is_none_or(|r| !format!("{r:?}").contains("apigateway.amazonaws.com")) {
                problems.push(format!(
                    "{name}: CloudWatchRoleArn must be a role of this template that API Gateway assumes"
                ));
            }
        }
    }

    // Every function's log group.
    let global_group = ref_name(
        get(&template, "Globals")
            .and_then(|g| get(g, "Function"))
            .and_then(|f| get(f, "LoggingConfig"))
            .and_then(|l| get(l, "LogGroup")),
    );
    let functions: BTreeSet<&str> = ROUTES.iter().map(|r| r.function).chain(ROUTELESS).collect();
    for function in functions {
        let id = logical_id(function);
        let own = resources
            .and_then(|r| get(r, &id))
            .and_then(|f| get(f, "Properties"))
            .and_then(|p| get(p, "LoggingConfig"));
        let configured = match own.and_then(|l| get(l, "LogGroup")) {
            Some(group) => ref_name(Some(group)),
            None => global_group,
        };
        // Or the default group, declared: /aws/lambda/<function name>.
        let default_name = format!("/aws/lambda/${{{id}}}");
        let declared_default = entries(resources).into_iter().any(|(name, r)| {
            let group_name = get(r, "Properties").and_then(|p| get(p, "LogGroupName"));
            retained_group(resources, &name)
                && group_name.and_then(tag_of).as_deref() == Some("!Sub")
                && group_name.map(untag).and_then(Value::as_str) == Some(default_name.as_str())
        });
        if !configured.is_some_and(|g| retained_group(resources, g)) && !declared_default {
            problems.push(format!("{id}: logs to no log group kept LogRetentionDays days"));
        }
    }

    assert!(problems.is_empty(), "template.yaml logging:\n  - {}\n", problems.join("\n  - "));
}
