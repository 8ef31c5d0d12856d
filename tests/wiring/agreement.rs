//! `template.yaml` and `infra/openapi.yaml` must declare exactly the routes of the route
//! table (`latchkey::api::ROUTES`, SPEC section 5): the same (method, path) pairs, each
//! served by the same function, nothing more, and the same public/protected split.
//!
//! Every check runs and every disagreement is reported at once, as the differing sets.
//!
//! The modules hold the template's other checks: each function's table rights against what
//! its code sends (`iam`), access logs and retention (`logging`), the gateway's problem+json
//! (`problems`), the binaries naming their routes by typed id (`binaries`), and each
//! function's scope and the exported authorizer (`scopes`), the Makefile `sam build` runs
//! (`sam_build`), and the sample events of `infra/events` (`sample_events`).

mod binaries;
mod iam;
mod logging;
mod problems;
mod sam_build;
mod sample_events;
mod scopes;
mod stream;

use latchkey::api::{Access, ROUTES, Route};
use serde_norway::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Functions that have no API route but must be deployed.
const ROUTELESS: [&str; 3] = ["authorizer", "bootstrap", "recover"];
/// Functions with no API route that a schedule invokes: their one event is a Schedule.
const SCHEDULED: [&str; 2] = ["housekeeping", "expiry-notices"];
/// Functions fed by the table's stream (no API route): checked in agreement/stream.rs.
const STREAM: [&str; 1] = ["events"];
const HTTP_METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// (METHOD, path, function)
type Row = (String, String, String);

fn repo_root() -> PathBuf {
    // The root package: its manifest is the workspace root's.
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load(relative: &str) -> Value {
    let path = repo_root().join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// The value under a CloudFormation tag (`!Ref X` → `X`), or the value itself.
fn untag(v: &Value) -> &Value {
    match v {
        Value::Tagged(t) => untag(&t.value),
        other => other,
    }
}

fn tag_of(v: &Value) -> Option<String> {
    match v {
        Value::Tagged(t) => Some(t.tag.to_string()),
        _ => None,
    }
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    untag(v).as_mapping().and_then(|m| m.get(key))
}

fn get_str<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    get(v, key).map(untag).and_then(Value::as_str)
}

fn entries(v: Option<&Value>) -> Vec<(String, &Value)> {
    v.map(untag)
        .and_then(Value::as_mapping)
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.as_str()?.to_string(), v))).collect())
        .unwrap_or_default()
}

/// `users-list` → `UsersListFunction`.
fn logical_id(function: &str) -> String {
    let mut id: String = function
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect();
    id.push_str("Function");
    id
}

/// `ConsoleAsset` → `console-asset`.
fn kebab(id: &str) -> String {
    let mut out = String::new();
    for (i, c) in id.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The rule for `operationId`: the route's function when that function serves one route,
/// else the kebab-case route id (the console's two routes share one function).
fn expected_operation_id(route: &Route) -> String {
    if ROUTES.iter().filter(|r| r.function == route.function).count() == 1 {
        route.function.to_string()
    } else {
        kebab(&format!("{:?}", route.id))
    }
}

fn table_rows() -> BTreeSet<Row> {
    ROUTES.iter().map(|r| (r.method.to_string(), r.path.to_string(), r.function.to_string())).collect()
}

fn route_of(method: &str, path: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|r| r.method == method && r.path == path)
}

/// Reports the difference of two sets under `what`.
fn compare<T: Ord + std::fmt::Debug>(
    problems: &mut Vec<String>,
    what: &str,
    expected: &BTreeSet<T>,
    actual: &BTreeSet<T>,
) {
    let missing: Vec<_> = expected.difference(actual).collect();
    let extra: Vec<_> = actual.difference(expected).collect();
    if missing.is_empty() && extra.is_empty() {
        return;
    }
    let mut msg = format!("{what} disagree with the route table:");
    for m in &missing {
        let _ = write!(msg, "\n    missing (in the route table, not declared): {m:?}");
    }
    for e in &extra {
        let _ = write!(msg, "\n    extra (declared, not in the route table):  {e:?}");
    }
    problems.push(msg);
}

fn finish(file: &str, problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{file} does not agree with latchkey::api::ROUTES:\n  - {}\n",
        problems.join("\n  - ")
    );
}

#[test]
fn template_declares_exactly_the_route_table() {
    let template = load("template.yaml");
    let mut problems = Vec::new();

    // Functions: logical id -> (binary, resource).
    let mut functions: BTreeMap<String, (String, &Value)> = BTreeMap::new();
    for (id, resource) in entries(get(&template, "Resources")) {
        if get_str(resource, "Type") != Some("AWS::Serverless::Function") {
            continue;
        }
        let metadata = get(resource, "Metadata");
        let build_method = metadata.and_then(|m| get_str(m, "BuildMethod"));
        // The root Makefile builds every function (tests/wiring/sam_build.rs checks its targets).
        if build_method != Some("makefile") {
            problems.push(format!("{id}: Metadata.BuildMethod is {build_method:?}, expected \"makefile\""));
        }
        let Some(binary) = metadata.and_then(|m| get(m, "BuildProperties")).and_then(|b| get_str(b, "Binary")) else {
            problems.push(format!("{id}: no Metadata.BuildProperties.Binary"));
            continue;
        };
        let code_uri = get(resource, "Properties").and_then(|p| get_str(p, "CodeUri"));
        if code_uri != Some(".") {
            problems.push(format!("{id}: CodeUri is {code_uri:?}, expected \".\" (the workspace root)"));
        }
        functions.insert(id, (binary.to_string(), resource));
    }

    // The function set: one per distinct function of the table, plus the route-less ones.
    let expected_functions: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| r.function)
        .chain(ROUTELESS)
        .chain(SCHEDULED)
        .chain(STREAM)
        .map(|f| (logical_id(f), f.to_string()))
        .collect();
    let actual_functions: BTreeSet<(String, String)> =
        functions.iter().map(|(id, (bin, _))| (id.clone(), bin.clone())).collect();
    compare(&mut problems, "template functions (logical id, Binary)", &expected_functions, &actual_functions);

    // Every binary is a real one.
    for (id, (binary, _)) in &functions {
        let source = repo_root().join("functions/src/bin").join(format!("{binary}.rs"));
        if !source.is_file() {
            problems.push(format!("{id}: Binary {binary:?} has no source file {}", source.display()));
        }
    }

    // Routes: every Api event of every function.
    let mut rows = BTreeSet::new();
    for (id, (binary, resource)) in &functions {
        let events = entries(get(resource, "Properties").and_then(|p| get(p, "Events")));
        if ROUTELESS.contains(&binary.as_str()) && !events.is_empty() {
            problems.push(format!(
                "{id}: must have no Events (no API route), has {:?}",
                events.iter().map(|(n, _)| n).collect::<Vec<_>>()
            ));
            continue;
        }
        if SCHEDULED.contains(&binary.as_str()) {
            let types: Vec<Option<&str>> = events.iter().map(|(_, e)| get_str(e, "Type")).collect();
            if types != [Some("Schedule")] {
                problems.push(format!("{id}: must have exactly one Schedule event (no API route), has {types:?}"));
            }
            continue;
        }
        if STREAM.contains(&binary.as_str()) {
            continue;
        }
        for (name, event) in events {
            let event_type = get_str(event, "Type");
            if event_type != Some("Api") {
                problems.push(format!("{id}.Events.{name}: Type is {event_type:?}, expected \"Api\""));
                continue;
            }
            let properties = get(event, "Properties");
            let rest_api = properties.and_then(|p| get(p, "RestApiId"));
            if rest_api.and_then(tag_of).as_deref() != Some("!Ref")
                || rest_api.map(untag).and_then(Value::as_str) != Some("Api")
            {
                problems.push(format!("{id}.Events.{name}: RestApiId must be !Ref Api, is {rest_api:?}"));
            }
            let (Some(path), Some(method)) =
                (properties.and_then(|p| get_str(p, "Path")), properties.and_then(|p| get_str(p, "Method")))
            else {
                problems.push(format!("{id}.Events.{name}: Path or Method missing"));
                continue;
            };
            let method = method.to_ascii_uppercase();
            if !rows.insert((method.clone(), path.to_string(), binary.clone())) {
                problems.push(format!("{id}.Events.{name}: {method} {path} declared twice"));
            }
            let authorizer = properties.and_then(|p| get(p, "Auth")).and_then(|a| get_str(a, "Authorizer"));
            if let Some(route) = route_of(&method, path) {
                match (route.access == Access::Public, authorizer) {
                    (true, Some("NONE")) | (false, None) => {}
                    (true, other) => problems.push(format!("{id}.Events.{name}: {method} {path} is public: needs Auth.Authorizer NONE, has {other:?}")),
                    (false, Some(other)) => problems.push(format!(
                        "{id}.Events.{name}: {method} {path} is protected: must use the default authorizer, has Auth.Authorizer {other:?}"
                    )),
                }
            }
        }
    }
    compare(&mut problems, "template routes (method, path, function)", &table_rows(), &rows);

    // The API's default authorizer is the authorizer function.
    let api = get(&template, "Resources").and_then(|r| get(r, "Api"));
    if api.and_then(|a| get_str(a, "Type")) != Some("AWS::Serverless::Api") {
        problems.push("Resources.Api: missing or not an AWS::Serverless::Api".into());
    }
    let auth = api.and_then(|a| get(a, "Properties")).and_then(|p| get(p, "Auth"));
    let default = auth.and_then(|a| get_str(a, "DefaultAuthorizer"));
    match default {
        None => problems.push("Resources.Api: no Auth.DefaultAuthorizer: protected routes would be open".into()),
        Some(name) => {
            let authorizer = auth.and_then(|a| get(a, "Authorizers")).and_then(|a| get(a, name));
            let arn = authorizer.and_then(|a| get(a, "FunctionArn"));
            if arn.and_then(tag_of).as_deref() != Some("!GetAtt")
                || arn.map(untag).and_then(Value::as_str) != Some("AuthorizerFunction.Arn")
            {
                problems.push(format!(
                    "Resources.Api: authorizer {name} must have FunctionArn !GetAtt AuthorizerFunction.Arn, has {arn:?}"
                ));
            }
            if authorizer.and_then(|a| get_str(a, "FunctionPayloadType")) != Some("REQUEST") {
                problems.push(format!("Resources.Api: authorizer {name} must be a REQUEST authorizer"));
            }
        }
    }

    finish("template.yaml", problems);
}

#[test]
fn openapi_declares_exactly_the_route_table() {
    let doc = load("infra/openapi.yaml");
    let mut problems = Vec::new();

    let version = get_str(&doc, "openapi").unwrap_or("");
    if !version.starts_with("3.1.") {
        problems.push(format!("openapi version is {version:?}, expected 3.1.x"));
    }
    let components = get(&doc, "components");
    let parameters = components.and_then(|c| get(c, "parameters"));
    let schemes = components.and_then(|c| get(c, "securitySchemes"));
    let global_security = get(&doc, "security");

    // Resolves `{$ref: '#/components/parameters/X'}`.
    let resolve_parameter = |p: &Value| -> Option<Value> {
        match get_str(p, "$ref") {
            Some(r) => r
                .strip_prefix("#/components/parameters/")
                .and_then(|name| parameters.and_then(|ps| get(ps, name)))
                .cloned(),
            None => Some(p.clone()),
        }
    };

    let mut rows = BTreeSet::new();
    let mut operation_ids: BTreeMap<String, usize> = BTreeMap::new();
    for (path, item) in entries(get(&doc, "paths")) {
        for (method, operation) in entries(Some(item)) {
            if !HTTP_METHODS.contains(&method.as_str()) {
                continue;
            }
            let method = method.to_ascii_uppercase();
            let at = format!("{method} {path}");
            let Some(function) = get_str(operation, "x-latchkey-function") else {
                problems.push(format!("{at}: no x-latchkey-function"));
                continue;
            };
            rows.insert((method.clone(), path.clone(), function.to_string()));
            let operation_id = get_str(operation, "operationId");
            if let Some(id) = operation_id {
                *operation_ids.entry(id.to_string()).or_default() += 1;
            }
            let Some(route) = route_of(&method, &path) else { continue };

            let scope = get_str(operation, "x-latchkey-scope");
            if scope != route.scope {
                problems.push(format!("{at}: x-latchkey-scope is {scope:?}, the route table says {:?}", route.scope));
            }

            let expected_id = expected_operation_id(route);
            if operation_id != Some(expected_id.as_str()) {
                problems.push(format!("{at}: operationId is {operation_id:?}, expected {expected_id:?}"));
            }

            // Security: `security: []` exactly on public routes; a bearer requirement elsewhere.
            let security = get(operation, "security").or(global_security);
            let requirements = security.map(untag).and_then(Value::as_sequence);
            match (route.access == Access::Public, requirements) {
                (true, Some(reqs)) if reqs.is_empty() && get(operation, "security").is_some() => {}
                (true, _) => problems.push(format!("{at}: public route needs `security: []`")),
                (false, Some(reqs)) if !reqs.is_empty() => {
                    for req in reqs {
                        for (scheme, _) in entries(Some(req)) {
                            let def = schemes.and_then(|s| get(s, &scheme));
                            if def.and_then(|d| get_str(d, "type")) != Some("http")
                                || def.and_then(|d| get_str(d, "scheme")) != Some("bearer")
                            {
                                problems.push(format!(
                                    "{at}: security scheme {scheme:?} is not a defined http bearer scheme"
                                ));
                            }
                        }
                    }
                }
                (false, _) => {
                    problems.push(format!("{at}: protected route must require the bearer scheme, not `security: []`"))
                }
            }

            // Parameters: the path's {params} and exactly the query parameters the route accepts.
            let declared: Vec<Value> = get(operation, "parameters")
                .map(untag)
                .and_then(Value::as_sequence)
                .map(|ps| ps.iter().filter_map(&resolve_parameter).collect())
                .unwrap_or_default();
            let named = |location: &str| -> BTreeSet<String> {
                declared
                    .iter()
                    .filter(|p| get_str(p, "in") == Some(location))
                    .filter_map(|p| get_str(p, "name").map(String::from))
                    .collect()
            };
            let path_params: BTreeSet<String> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .map(String::from)
                .collect();
            let query_params: BTreeSet<String> = route.query.iter().map(|q| q.to_string()).collect();
            compare(&mut problems, &format!("{at} path parameters"), &path_params, &named("path"));
            compare(&mut problems, &format!("{at} query parameters"), &query_params, &named("query"));
            if declared.len()
                != get(operation, "parameters").map(untag).and_then(Value::as_sequence).map_or(0, Vec::len)
            {
                problems.push(format!("{at}: a parameter $ref does not resolve under #/components/parameters"));
            }
        }
    }
    compare(&mut problems, "OpenAPI operations (method, path, x-latchkey-function)", &table_rows(), &rows);
    for (id, n) in operation_ids.iter().filter(|(_, n)| **n > 1) {
        problems.push(format!("operationId {id:?} is used {n} times"));
    }

    finish("infra/openapi.yaml", problems);
}

#[test]
fn logical_ids_and_operation_ids_follow_their_rules() {
    assert_eq!(logical_id("users-list"), "UsersListFunction");
    assert_eq!(logical_id("api-keys-revoke-all"), "ApiKeysRevokeAllFunction");
    assert_eq!(logical_id("console"), "ConsoleFunction");
    assert_eq!(kebab("ConsoleAsset"), "console-asset");
    let console: Vec<String> = ROUTES.iter().filter(|r| r.function == "console").map(expected_operation_id).collect();
    assert_eq!(console, ["console-page", "console-asset"]);
    let me = ROUTES.iter().find(|r| r.function == "me").expect("me route");
    assert_eq!(expected_operation_id(me), "me");
}
