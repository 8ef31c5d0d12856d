//! Request validation shared by the handlers: bodies, query strings, path parameters, list
//! parameters. Everything a caller sends is hostile until it has passed through here.

use super::{ApiError, ApiRequest, Route};
use crate::domain::Caller;
use serde::de::DeserializeOwned;

/// Parses the JSON body into `T` (whose type rejects unknown fields). An empty body counts
/// as `{}`.
pub fn body<T: DeserializeOwned>(req: &ApiRequest) -> Result<T, ApiError> {
    if req.body.len() > req.route.route().max_body_bytes {
        return Err(ApiError::PayloadTooLarge);
    }
    let raw = if req.body.iter().all(u8::is_ascii_whitespace) { &b"{}"[..] } else { &req.body[..] };
    // Bodies are JSON objects. serde would also fill a struct from a positional array
    // (`["a@b.c", null, "OWNER"]`), which no caller means and no field check sees.
    if raw.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::validation("request body must be a JSON object"));
    }
    serde_json::from_slice(raw)
        .map_err(|e| ApiError::Validation(format!("request body: {}", redact_serde_message(&e.to_string()))))
}

/// For routes without a body: accepts nothing, whitespace or `{}`.
pub fn no_body(req: &ApiRequest) -> Result<(), ApiError> {
    body::<latchkey_wire::Empty>(req).map(|_| ())
}

/// serde_json messages quote the offending value (`invalid type: string "…"`). A caller
/// might have pasted a credential into the wrong field, so quoted values are elided and
/// quoted field names are capped before the message goes anywhere.
fn redact_serde_message(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut in_quotes = false;
    let mut in_ticks = false;
    let mut tick_len = 0;
    for c in msg.chars() {
        match c {
            '"' => {
                if !in_quotes {
                    out.push_str("\"…");
                }
                in_quotes = !in_quotes;
                if !in_quotes {
                    out.push('"');
                }
            }
            _ if in_quotes => {}
            '`' => {
                in_ticks = !in_ticks;
                tick_len = 0;
                out.push(c);
            }
            _ if in_ticks => {
                tick_len += 1;
                if tick_len <= 40 {
                    out.push(c);
                } else if tick_len == 41 {
                    out.push('…');
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Checks the query string: only the route's parameters, each at most once.
pub fn check_query(req: &ApiRequest, route: &Route) -> Result<(), ApiError> {
    for (i, (name, _)) in req.query.iter().enumerate() {
        if !route.query.contains(&name.as_str()) {
            let shown: String = name.chars().take(40).collect();
            return Err(ApiError::validation(format!("unknown query parameter {shown:?}")));
        }
        if req.query[..i].iter().any(|(n, _)| n == name) {
            return Err(ApiError::validation(format!("query parameter {name:?} given more than once")));
        }
    }
    Ok(())
}

pub fn query<'a>(req: &'a ApiRequest, name: &str) -> Option<&'a str> {
    req.query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

pub fn query_bool(req: &ApiRequest, name: &str) -> Result<bool, ApiError> {
    match query(req, name) {
        None => Ok(false),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err(ApiError::validation(format!("{name} must be true or false"))),
    }
}

pub fn path_param<'a>(req: &'a ApiRequest, name: &str) -> Result<&'a str, ApiError> {
    req.path_params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).ok_or(ApiError::NotFound)
}

/// `max_items` (1–100, default 20) and `cursor`.
pub struct ListParams {
    pub max_items: usize,
    pub cursor: Option<String>,
}

pub fn list_params(req: &ApiRequest) -> Result<ListParams, ApiError> {
    let max_items = match query(req, "max_items") {
        None => 20,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100).contains(n) && v.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| ApiError::validation("max_items must be a whole number from 1 to 100"))?,
    };
    let cursor = query(req, "cursor").map(str::to_string);
    Ok(ListParams { max_items, cursor })
}

/// The caller the authorizer established; a missing one on a protected route fails closed.
pub fn caller(req: &ApiRequest) -> Result<&Caller, ApiError> {
    req.caller.as_ref().ok_or(ApiError::Unauthorized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_lose_quoted_values() {
        let m = redact_serde_message(r#"invalid type: string "lku_secret", expected u32 at line 1"#);
        assert!(!m.contains("lku_secret"), "{m}");
        let m = redact_serde_message("unknown field `colour`, expected one of `name`");
        assert!(m.contains("`colour`"), "{m}");
    }
}
