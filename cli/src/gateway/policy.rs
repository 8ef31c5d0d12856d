//! What API Gateway makes of a REQUEST authorizer's answer: the error `Unauthorized` is
//! its 401; any other error, a crash or a timeout is AUTHORIZER_FAILURE; an answer that is
//! not `{principalId, policyDocument, context?}` with a context of flat values is
//! AUTHORIZER_CONFIGURATION_ERROR; a policy that denies the method ARN, or does not allow
//! it, is ACCESS_DENIED. An allowed caller's context reaches the function with every value
//! a string (numbers and booleans as text), as API Gateway flattens it.

use super::events::AuthorizerContext;
use super::pool::Invocation;
use super::responses::ResponseType;
use serde_json::Value;

/// The exact error message API Gateway turns into its 401.
const UNAUTHORIZED: &str = "Unauthorized";

/// The authorizer's answer, decided: the caller, or the gateway response to send.
pub fn decide(outcome: Invocation, method_arn: &str, latency_ms: u64) -> Result<AuthorizerContext, ResponseType> {
    let answer = match outcome {
        Invocation::Answered(bytes) => bytes,
        Invocation::Failed(error) => {
            let message = serde_json::from_slice::<Value>(&error)
                .ok()
                .and_then(|e| e["errorMessage"].as_str().map(str::to_string));
            return Err(if message.as_deref() == Some(UNAUTHORIZED) {
                ResponseType::Unauthorized
            } else {
                ResponseType::AuthorizerFailure
            });
        }
        Invocation::Crashed | Invocation::TimedOut => return Err(ResponseType::AuthorizerFailure),
    };
    let answer: Value = serde_json::from_slice(&answer).map_err(|_| ResponseType::AuthorizerConfigurationError)?;
    let principal_id = match &answer["principalId"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err(ResponseType::AuthorizerConfigurationError),
    };
    let context = flatten(&answer["context"]).ok_or(ResponseType::AuthorizerConfigurationError)?;
    let policy = &answer["policyDocument"];
    if !policy_is_valid(policy) {
        return Err(ResponseType::AuthorizerConfigurationError);
    }
    match evaluate(policy, method_arn) {
        Some(Effect::Allow) => Ok(AuthorizerContext { principal_id, context, latency_ms }),
        Some(Effect::Deny) | None => Err(ResponseType::AccessDenied),
    }
}

/// A context of strings, numbers and booleans, each as its text; `None` for anything else
/// (an object or array value, which API Gateway refuses). An absent context is empty.
fn flatten(context: &Value) -> Option<Vec<(String, String)>> {
    match context {
        Value::Null => Some(Vec::new()),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return None,
                };
                Some((k.clone(), text))
            })
            .collect(),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

/// One value or a list of them (IAM allows both for `Action`, `Resource`, `Statement`).
fn one_or_many(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// Every statement has an `Effect` of Allow or Deny, and `Action` and `Resource` of
/// strings; `NotAction`, `NotResource` and `Condition` are not evaluated here, so a
/// policy holding them is not one this gateway can honour.
fn policy_is_valid(policy: &Value) -> bool {
    let statements = one_or_many(&policy["Statement"]);
    !statements.is_empty()
        && statements.iter().all(|s| {
            matches!(s["Effect"].as_str(), Some("Allow" | "Deny"))
                && ["Action", "Resource"].iter().all(|k| {
                    let values = one_or_many(&s[*k]);
                    !values.is_empty() && values.iter().all(|v| v.is_string())
                })
                && ["NotAction", "NotResource", "Condition"].iter().all(|k| s.get(*k).is_none())
        })
}

/// An explicit Deny of the method ARN wins; else an Allow of it allows; else nothing.
fn evaluate(policy: &Value, method_arn: &str) -> Option<Effect> {
    let mut allowed = false;
    for statement in one_or_many(&policy["Statement"]) {
        let action = one_or_many(&statement["Action"])
            .iter()
            .filter_map(|a| a.as_str())
            .any(|a| iam_match(&a.to_ascii_lowercase(), "execute-api:invoke"));
        let resource =
            one_or_many(&statement["Resource"]).iter().filter_map(|r| r.as_str()).any(|r| iam_match(r, method_arn));
        if !(action && resource) {
            continue;
        }
        match statement["Effect"].as_str() {
            Some("Deny") => return Some(Effect::Deny),
            Some("Allow") => allowed = true,
            _ => {}
        }
    }
    allowed.then_some(Effect::Allow)
}

/// IAM's wildcard match: `*` any run of characters (`/` included), `?` any one character,
/// everything else itself. Hand-written: glob crates treat `/` as a separator and add
/// classes and escapes that IAM patterns do not have.
fn iam_match(pattern: &str, value: &str) -> bool {
    let (p, v): (Vec<char>, Vec<char>) = (pattern.chars().collect(), value.chars().collect());
    let (mut pi, mut vi) = (0, 0);
    // Where the last `*` was, and the value position it was tried at.
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, vi));
            pi += 1;
        } else if let Some((sp, sv)) = star {
            pi = sp + 1;
            vi = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:localgw001/local/GET/api/v1/me";

    fn answer(policy: Value, context: Value) -> Invocation {
        Invocation::Answered(
            json!({"principalId": "p-1", "policyDocument": policy, "context": context}).to_string().into(),
        )
    }

    fn allow(resource: &str) -> Value {
        json!({"Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": [resource]}]})
    }

    #[test]
    fn an_allow_of_the_stage_lets_the_caller_through_with_a_flat_context() {
        let ctx = json!({"email": "a@b.c", "n": 3, "ok": true});
        let allowed =
            decide(answer(allow("arn:aws:execute-api:us-east-1:123456789012:localgw001/local/*/*"), ctx), ARN, 7)
                .unwrap();
        assert_eq!(allowed.principal_id, "p-1");
        assert_eq!(
            allowed.context,
            vec![("email".into(), "a@b.c".into()), ("n".into(), "3".into()), ("ok".into(), "true".into())]
        );
    }

    #[test]
    fn a_deny_or_a_policy_that_misses_the_method_is_access_denied() {
        let other_method = allow("arn:aws:execute-api:us-east-1:123456789012:localgw001/local/POST/*");
        assert_eq!(decide(answer(other_method, Value::Null), ARN, 0).unwrap_err(), ResponseType::AccessDenied);
        let other_stage = allow("arn:aws:execute-api:us-east-1:123456789012:localgw001/prod/*/*");
        assert_eq!(decide(answer(other_stage, Value::Null), ARN, 0).unwrap_err(), ResponseType::AccessDenied);
        let denied = json!({"Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"},
            {"Action": "execute-api:*", "Effect": "Deny", "Resource": "arn:aws:execute-api:*:*:*/local/GET/api/v1/*"},
        ]});
        assert_eq!(decide(answer(denied, Value::Null), ARN, 0).unwrap_err(), ResponseType::AccessDenied);
        let wrong_action = json!({"Statement": {"Action": "s3:GetObject", "Effect": "Allow", "Resource": "*"}});
        assert_eq!(decide(answer(wrong_action, Value::Null), ARN, 0).unwrap_err(), ResponseType::AccessDenied);
    }

    #[test]
    fn errors_crashes_and_malformed_answers_are_the_gateways_own() {
        let failed =
            |message: &str| Invocation::Failed(json!({"errorType": "E", "errorMessage": message}).to_string().into());
        assert_eq!(decide(failed("Unauthorized"), ARN, 0).unwrap_err(), ResponseType::Unauthorized);
        assert_eq!(decide(failed("unauthorized"), ARN, 0).unwrap_err(), ResponseType::AuthorizerFailure);
        assert_eq!(decide(Invocation::Crashed, ARN, 0).unwrap_err(), ResponseType::AuthorizerFailure);
        assert_eq!(decide(Invocation::TimedOut, ARN, 0).unwrap_err(), ResponseType::AuthorizerFailure);
        let config = ResponseType::AuthorizerConfigurationError;
        assert_eq!(decide(Invocation::Answered("not json".into()), ARN, 0).unwrap_err(), config);
        let nested = answer(allow("*"), json!({"roles": ["a"]}));
        assert_eq!(decide(nested, ARN, 0).unwrap_err(), config);
        let no_principal = Invocation::Answered(json!({"policyDocument": allow("*")}).to_string().into());
        assert_eq!(decide(no_principal, ARN, 0).unwrap_err(), config);
        let conditional = json!({"Statement": [{"Action": "*", "Effect": "Allow", "Resource": "*", "Condition": {}}]});
        assert_eq!(decide(answer(conditional, Value::Null), ARN, 0).unwrap_err(), config);
    }

    #[test]
    fn iam_wildcards() {
        assert!(iam_match("*", ""));
        assert!(iam_match("a*/c", "ab/x/c"));
        assert!(iam_match("a?c", "abc"));
        assert!(!iam_match("a?c", "ac"));
        assert!(iam_match("*/*", "a/b/c"));
        assert!(!iam_match("abc", "abcd"));
        assert!(iam_match("a**b", "ab"));
        assert!(!iam_match("*b", "aaa"));
    }
}
