//! An example of an organization's own API behind latchkey's authorizer (see
//! `docs/protect-your-api.md` and `infra/examples/protected-api.yaml`).
//!
//! API Gateway has already run latchkey's authorizer when this function is invoked: the
//! request carries the caller as authorizer context (flat strings), and the function trusts
//! it and never sees a credential. `GET /orders` needs the organization's own scope
//! [`REQUIRED_SCOPE`]; without it the answer is a 403 problem+json naming the scope.

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::{Value, json};

/// The scope `GET /orders` needs: one of the organization's own, not latchkey's.
pub const REQUIRED_SCOPE: &str = "orders:read";

/// The caller, as latchkey's authorizer put it in the context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub principal_id: String,
    pub principal_type: String,
    pub email: String,
    pub organization_id: String,
    pub credential_id: String,
    pub credential_kind: String,
    /// `None`: an unscoped credential (its principal's whole power in latchkey).
    pub scopes: Option<Vec<String>>,
}

impl Caller {
    /// Reads the context; `None` when it is missing or malformed (then nothing is trusted).
    pub fn from_context(get: impl Fn(&str) -> Option<String>) -> Option<Caller> {
        let scopes = match (get("scoped")?.as_str(), get("scopes")?) {
            ("false", _) => None,
            ("true", joined) => Some(joined.split(' ').filter(|s| !s.is_empty()).map(str::to_string).collect()),
            _ => return None,
        };
        Some(Caller {
            principal_id: get("principal_id")?,
            principal_type: get("principal_type")?,
            email: get("email")?,
            organization_id: get("organization_id")?,
            credential_id: get("credential_id")?,
            credential_kind: get("credential_kind")?,
            scopes,
        })
    }

    /// This API's rule: only a credential that names the scope may read orders. An
    /// unscoped credential is refused too: grants to this API are explicit.
    pub fn holds(&self, scope: &str) -> bool {
        self.scopes.as_ref().is_some_and(|scopes| scopes.iter().any(|s| s == scope))
    }
}

/// One request → one response.
pub fn handle(request: &Request) -> Response<Body> {
    let caller = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(ctx)) => {
            let fields = &ctx.authorizer.fields;
            Caller::from_context(|k| fields.get(k).and_then(Value::as_str).map(str::to_string))
        }
        _ => None,
    };
    let Some(caller) = caller else {
        return problem(401, "unauthorized", "no caller in the authorizer context", None);
    };
    if !caller.holds(REQUIRED_SCOPE) {
        return problem(
            403,
            "insufficient_scope",
            &format!("this credential's scopes do not include {REQUIRED_SCOPE}"),
            Some(REQUIRED_SCOPE),
        );
    }
    let body = json!({
        "orders": [],
        "caller": {
            "principal_id": caller.principal_id,
            "principal_type": caller.principal_type,
            "email": caller.email,
            "organization_id": caller.organization_id,
            "credential_id": caller.credential_id,
            "credential_kind": caller.credential_kind,
            "scopes": caller.scopes,
        },
    });
    respond(200, "application/json", body)
}

fn problem(status: u16, code: &str, detail: &str, required_scope: Option<&str>) -> Response<Body> {
    let mut body = json!({
        "type": format!("urn:example:problem:{code}"),
        "title": if status == 403 { "Forbidden" } else { "Unauthorized" },
        "status": status,
        "detail": detail,
        "code": code,
    });
    if let Some(scope) = required_scope {
        body["required_scope"] = Value::from(scope);
    }
    respond(status, "application/problem+json", body)
}

fn respond(status: u16, content_type: &str, body: Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Body::Text(body.to_string()))
        .unwrap_or_else(|_| Response::new(Body::Empty))
}
