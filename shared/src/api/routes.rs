//! The route table: the single source of truth for what the API serves. The local server
//! mounts it, each Lambda binary names one row of it, and a test checks that
//! `template.yaml` and `infra/openapi.yaml` declare exactly these rows.

/// Base path of every API route.
pub const BASE_PATH: &str = "/api/v1";

/// Who may call a route, as far as the route alone decides (handlers refine it with the
/// policy in [`crate::domain::policy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No authorizer: anyone.
    Public,
    /// Any authenticated principal (handlers may narrow further, e.g. to the object's owner).
    Authenticated,
    /// A user (not a service account).
    User,
    /// OWNER permission level.
    Owner,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub id: RouteId,
    pub method: &'static str,
    /// Full path template as API Gateway names the resource, e.g. `/api/v1/users/{user_id}`.
    pub path: &'static str,
    /// The Lambda binary (in `functions/`) that serves this route; also the stem of its
    /// logical id in `template.yaml`.
    pub function: &'static str,
    pub access: Access,
    /// Query parameters the route accepts; any other is a 400.
    pub query: &'static [&'static str],
    /// The scope a scoped credential must hold to call this route (SPEC section 9); `None`:
    /// no scope needed (`/me`, public routes). The template's and the OpenAPI document's
    /// `x-latchkey-scope` show the same.
    pub scope: Option<&'static str>,
    /// The largest body the route accepts (a larger one is 413 before it is read whole):
    /// [`crate::api::MAX_BODY_BYTES`], except for a leak report (SPEC section 12: 1000 entries
    /// of 256 characters).
    pub max_body_bytes: usize,
}

/// The body limit of each route ([`Route::max_body_bytes`]).
const fn max_body_bytes(id: RouteId) -> usize {
    match id {
        RouteId::RevokeLeakedCredentials => crate::leaks::report::MAX_BODY_BYTES,
        _ => crate::api::MAX_BODY_BYTES,
    }
}

const LIST: &[&str] = &["max_items", "cursor"];
const LIST_INACTIVE: &[&str] = &["max_items", "cursor", "show_inactive"];

use crate::domain::scope::{AUDIT, POLICY, READ, SERVICE_ACCOUNTS, TOKENS, USERS, VERIFY};

/// Declares [`RouteId`], [`RouteId::route`] and [`ROUTES`] from one list of rows: `route()`
/// is an exhaustive `match` with one arm per id and nothing to fall back to, and the table
/// is those arms in order. A binary that names a route that does not exist does not compile.
macro_rules! route_table {
    ($( $id:ident: $method:literal $path:literal => $function:literal, $access:ident, $scope:expr, $query:expr; )+) => {
        /// One row of the route table. Function binaries name the route they serve by this id.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum RouteId {
            $( $id, )+
        }

        impl RouteId {
            /// This id's row of the table.
            pub const fn route(self) -> &'static Route {
                match self {
                    $(
                        RouteId::$id => const {
                            &Route {
                                id: RouteId::$id,
                                method: $method,
                                path: $path,
                                function: $function,
                                access: Access::$access,
                                query: $query,
                                scope: $scope,
                                max_body_bytes: max_body_bytes(RouteId::$id),
                            }
                        },
                    )+
                }
            }
        }

        /// Every route, in [`RouteId`] order.
        pub const ROUTES: &[Route] = &[ $( *RouteId::$id.route(), )+ ];
    };
}

route_table! {
    Health: "GET" "/api/v1/health" => "health", Public, None, &[];
    Me: "GET" "/api/v1/me" => "me", Authenticated, None, &[];
    ListUsers: "GET" "/api/v1/users" => "users-list", Authenticated, Some(READ), LIST;
    CreateUser: "POST" "/api/v1/users" => "users-create", Owner, Some(USERS), &[];
    GetUser: "GET" "/api/v1/users/{user_id}" => "users-get", Authenticated, Some(READ), &[];
    UpdateUser: "PATCH" "/api/v1/users/{user_id}" => "users-update", Owner, Some(USERS), &[];
    DeleteUser: "DELETE" "/api/v1/users/{user_id}" => "users-delete", Owner, Some(USERS), &[];
    RotateOwnCliTokens: "POST" "/api/v1/users/me/cli-tokens/rotate" => "cli-tokens-rotate-own", User, Some(USERS), &[];
    RevokeOwnCliTokens: "DELETE" "/api/v1/users/me/cli-tokens" => "cli-tokens-revoke-own", User, Some(USERS), &[];
    RotateUserCliTokens: "POST" "/api/v1/users/{user_id}/cli-tokens/rotate" => "cli-tokens-rotate", Owner, Some(USERS), &[];
    CreateServiceAccount: "POST" "/api/v1/service-accounts" => "service-accounts-create", Owner, Some(SERVICE_ACCOUNTS), &[];
    ListServiceAccounts: "GET" "/api/v1/service-accounts" => "service-accounts-list", Owner, Some(READ), LIST;
    GetServiceAccount: "GET" "/api/v1/service-accounts/{ref}" => "service-accounts-get", Owner, Some(READ), &[];
    UpdateServiceAccount: "PATCH" "/api/v1/service-accounts/{ref}" => "service-accounts-update", Owner, Some(SERVICE_ACCOUNTS), &[];
    DeleteServiceAccount: "DELETE" "/api/v1/service-accounts/{ref}" => "service-accounts-delete", Owner, Some(SERVICE_ACCOUNTS), &[];
    CreateApiKey: "POST" "/api/v1/service-accounts/{ref}/api-keys" => "api-keys-create", Owner, Some(SERVICE_ACCOUNTS), &[];
    ListServiceAccountApiKeys:
        "GET" "/api/v1/service-accounts/{ref}/api-keys" => "api-keys-list-for-account", Owner, Some(READ), LIST_INACTIVE;
    RotateApiKeys: "POST" "/api/v1/service-accounts/{ref}/api-keys/rotate" => "api-keys-rotate", Owner, Some(SERVICE_ACCOUNTS), &[];
    RevokeApiKeys: "DELETE" "/api/v1/service-accounts/{ref}/api-keys" => "api-keys-revoke-all", Owner, Some(SERVICE_ACCOUNTS), &[];
    ListApiKeys: "GET" "/api/v1/api-keys" => "api-keys-list", Owner, Some(READ),
        &["max_items", "cursor", "show_inactive", "service_account_email", "last_six"];
    RevokeApiKey: "DELETE" "/api/v1/api-keys/{key_id}" => "api-keys-revoke", Owner, Some(SERVICE_ACCOUNTS), &[];
    UpdateApiKey: "PATCH" "/api/v1/api-keys/{key_id}" => "api-keys-update", Owner, Some(SERVICE_ACCOUNTS), &[];
    RollApiKey: "POST" "/api/v1/api-keys/{key_id}/rotate" => "api-keys-roll", Owner, Some(SERVICE_ACCOUNTS), &[];
    CreateAccessToken: "POST" "/api/v1/tokens" => "tokens-create", Authenticated, Some(TOKENS), &[];
    ListAccessTokens: "GET" "/api/v1/tokens" => "tokens-list", Authenticated, Some(READ),
        &["max_items", "cursor", "show_inactive", "user"];
    GetAccessToken: "GET" "/api/v1/tokens/{token_id}" => "tokens-get", Authenticated, Some(READ), &[];
    UpdateAccessToken: "PATCH" "/api/v1/tokens/{token_id}" => "tokens-update", Authenticated, Some(TOKENS), &[];
    Verify: "POST" "/api/v1/verify" => "verify", Owner, Some(VERIFY), &[];
    GetOrganization: "GET" "/api/v1/organization" => "organization-get", Authenticated, Some(READ), &[];
    UpdateOrganization: "PATCH" "/api/v1/organization" => "organization-update", Owner, Some(POLICY), &[];
    ListAuditEvents: "GET" "/api/v1/audit-events" => "audit-events-list", Owner, Some(AUDIT),
        &["max_items", "cursor", "action", "actor_id", "target_id", "since", "until"];
    GetAuditEvent: "GET" "/api/v1/audit-events/{event_id}" => "audit-events-get", Owner, Some(AUDIT), &[];
    RevokeLeakedCredentials: "POST" "/api/v1/credentials/revoke" => "credentials-revoke-leaked", Public, None, &[];
    GithubSecretScanning:
        "POST" "/api/v1/credentials/github-secret-scanning" => "github-secret-scanning", Public, None, &[];
    ConsolePage: "GET" "/console" => "console", Public, None, &[];
    ConsoleAsset: "GET" "/console/{asset}" => "console", Public, None, &[];
}

impl RouteId {
    /// Every route served by this route's function (one route, or the console's two): what
    /// that function's binary serves.
    pub fn function_routes(self) -> impl Iterator<Item = &'static Route> {
        let function = self.route().function;
        ROUTES.iter().filter(move |r| r.function == function)
    }
}

/// A request path matched against the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteMatch {
    Found {
        route: &'static Route,
        params: Vec<(String, String)>,
    },
    /// The path exists but not with this method.
    MethodNotAllowed,
    NotFound,
}

/// Matches `method` and `path` the way API Gateway does: a static segment wins over a
/// `{param}` one (`/users/me/...` is never `{user_id}` = "me"), and an unknown path or
/// method is not found.
pub fn match_path(method: &str, path: &str) -> RouteMatch {
    let path = path.strip_suffix('/').filter(|p| !p.is_empty()).unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    // (static segments matched, route, parameters) of the best match so far.
    type Candidate = (usize, &'static Route, Vec<(String, String)>);
    let mut best: Option<Candidate> = None;
    let mut path_exists = false;
    for route in ROUTES {
        let template: Vec<&str> = route.path.split('/').collect();
        if template.len() != segments.len() {
            continue;
        }
        let mut params = Vec::new();
        let mut statics = 0;
        let mut ok = true;
        for (t, s) in template.iter().zip(&segments) {
            if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                if s.is_empty() {
                    ok = false;
                    break;
                }
                params.push((name.to_string(), percent_decode(s)));
            } else if t == s {
                statics += 1;
            } else {
                ok = false;
                break;
            }
        }
        if !ok {
            continue;
        }
        path_exists = true;
        if route.method != method {
            continue;
        }
        if best.as_ref().is_none_or(|(n, _, _)| statics > *n) {
            best = Some((statics, route, params));
        }
    }
    match best {
        // A more specific static path that exists with another method still wins over a
        // parameter match: `DELETE /users/me/cli-tokens` must never reach `{user_id}` routes.
        Some((statics, route, params)) if !more_specific_path_exists(&segments, statics) => {
            RouteMatch::Found { route, params }
        }
        Some(_) => RouteMatch::MethodNotAllowed,
        None if path_exists => RouteMatch::MethodNotAllowed,
        None => RouteMatch::NotFound,
    }
}

fn more_specific_path_exists(segments: &[&str], statics: usize) -> bool {
    ROUTES.iter().any(|route| {
        let template: Vec<&str> = route.path.split('/').collect();
        template.len() == segments.len()
            && template.iter().zip(segments).all(|(t, s)| t.starts_with('{') || t == s)
            && template.iter().filter(|t| !t.starts_with('{')).count() > statics
    })
}

/// Decodes `%XX` escapes in a path segment (an email in `{ref}` arrives as `a%40b.c`).
/// Invalid escapes are kept literally; the handler's validation then refuses the value.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_id_has_one_row_and_rows_are_unique() {
        for r in ROUTES {
            assert_eq!(ROUTES.iter().filter(|o| o.id == r.id).count(), 1, "{:?}", r.id);
            assert_eq!(ROUTES.iter().filter(|o| o.method == r.method && o.path == r.path).count(), 1);
            assert_eq!(r.id.route(), r);
        }
    }

    #[test]
    fn every_protected_route_but_me_names_a_latchkey_scope() {
        for r in ROUTES {
            match (r.access, r.id) {
                (Access::Public, _) | (_, RouteId::Me) => assert_eq!(r.scope, None, "{:?}", r.id),
                _ => {
                    let scope = r.scope.unwrap_or_else(|| panic!("{:?} names no scope", r.id));
                    assert!(crate::domain::scope::RESERVED.contains(&scope), "{:?}: {scope}", r.id);
                    // Every GET reads (the audit log has a scope of its own); nothing else does.
                    let reads = [crate::domain::scope::READ, crate::domain::scope::AUDIT];
                    assert_eq!(r.method == "GET", reads.contains(&scope), "{:?}", r.id);
                    assert_eq!(scope == crate::domain::scope::AUDIT, r.path.contains("/audit-events"), "{:?}", r.id);
                }
            }
        }
    }

    #[test]
    fn static_segments_win_over_params() {
        match match_path("POST", "/api/v1/users/me/cli-tokens/rotate") {
            RouteMatch::Found { route, .. } => assert_eq!(route.id, RouteId::RotateOwnCliTokens),
            other => panic!("{other:?}"),
        }
        match match_path("POST", "/api/v1/users/1234/cli-tokens/rotate") {
            RouteMatch::Found { route, params } => {
                assert_eq!(route.id, RouteId::RotateUserCliTokens);
                assert_eq!(params, vec![("user_id".to_string(), "1234".to_string())]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(match_path("GET", "/api/v1/users/me/cli-tokens"), RouteMatch::MethodNotAllowed);
        assert_eq!(match_path("GET", "/api/v1/nope"), RouteMatch::NotFound);
        assert_eq!(match_path("PUT", "/api/v1/users"), RouteMatch::MethodNotAllowed);
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%40b.c"), "a@b.c");
        assert_eq!(percent_decode("bad%zz%4"), "bad%zz%4");
        assert_eq!(percent_decode("é%"), "é%");
    }
}
