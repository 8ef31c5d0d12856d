//! The SAM template as the gateway needs it: the one `AWS::Serverless::Api` (its routes,
//! which function serves each, which authorizer guards it, its gateway responses) and each
//! function's binary, timeout, memory size and environment (Globals + its own), and the
//! stage's `Variables`, with the intrinsics resolved to local values ([`super::intrinsics`]).
//! An authorizer whose `FunctionArn` imports latchkey's export (a protected API's template,
//! `infra/examples/protected-api.yaml`) runs latchkey's own `authorizer` binary.

use super::intrinsics::{Import, Resolver, entries, get, get_str, untag};
use serde_norway::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Lambda's default when neither the function nor Globals sets `Timeout`.
const DEFAULT_TIMEOUT_SECONDS: u64 = 3;
const DEFAULT_MEMORY_MB: u64 = 128;
/// latchkey's authorizer, imported by another template, runs as latchkey's template runs it
/// (its Globals: 10 s, 128 MB, `RUST_LOG=info`).
const IMPORTED_AUTHORIZER_BINARY: &str = "authorizer";
const IMPORTED_AUTHORIZER_TIMEOUT_SECONDS: u64 = 10;

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("reading {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("parsing {}: {source}", path.display())]
    Parse { path: PathBuf, source: serde_norway::Error },
    #[error("template {at}: {problem}")]
    Invalid { at: String, problem: String },
}

pub(crate) fn invalid(at: impl Into<String>, problem: impl Into<String>) -> TemplateError {
    TemplateError::Invalid { at: at.into(), problem: problem.into() }
}

/// One function of the template that the gateway runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSpec {
    pub logical_id: String,
    /// `Metadata.BuildProperties.Binary`: the file name in the functions directory.
    pub binary: String,
    pub timeout: Duration,
    pub memory_mb: u64,
    /// Globals' variables, then the function's own (which win), resolved.
    pub environment: BTreeMap<String, String>,
}

/// One `Type: Api` event: `method path` served by `function`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    /// Upper case; `ANY` matches every method.
    pub method: String,
    /// The resource path as declared, e.g. `/api/v1/users/{user_id}`.
    pub path: String,
    /// Logical id of the function.
    pub function: String,
    /// Name of the authorizer that guards it; `None` for `Auth.Authorizer: NONE` (or no
    /// default authorizer).
    pub authorizer: Option<String>,
}

/// A REQUEST Lambda authorizer of the Api.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizerSpec {
    pub name: String,
    /// Logical id of its function (`FunctionArn: !GetAtt X.Arn`).
    pub function: String,
    /// `Identity.Headers`: a request missing any of them is refused (401) without invoking it.
    pub identity_headers: Vec<String>,
    /// `Identity.ReauthorizeEvery`, resolved; the gateway does not cache decisions.
    pub cache_seconds: u64,
}

/// A customised gateway response (`GatewayResponses.<TYPE>`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GatewayResponseSpec {
    pub status: Option<u16>,
    /// `ResponseParameters.Headers`, the quotes of their static values removed.
    pub headers: Vec<(String, String)>,
    /// `ResponseTemplates["application/json"]` (or the only template), served as it is.
    pub body: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pub routes: Vec<RouteSpec>,
    pub authorizers: Vec<AuthorizerSpec>,
    pub responses: BTreeMap<String, GatewayResponseSpec>,
    /// Every function with an Api event or behind an authorizer.
    pub functions: Vec<FunctionSpec>,
    /// The stage's `Variables` (none when the template sets none, or `AWS::NoValue`).
    pub stage_variables: BTreeMap<String, String>,
}

impl Template {
    pub fn load(path: &Path, resolver_env: &super::intrinsics::LocalValues) -> Result<Template, TemplateError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| TemplateError::Read { path: path.to_path_buf(), source })?;
        let doc: Value = serde_norway::from_str(&text)
            .map_err(|source| TemplateError::Parse { path: path.to_path_buf(), source })?;
        Template::from_document(&doc, resolver_env)
    }

    pub fn from_document(doc: &Value, local: &super::intrinsics::LocalValues) -> Result<Template, TemplateError> {
        let resolver = Resolver::new(doc, local)?;
        let resources = entries(get(doc, "Resources"));
        let apis: Vec<_> =
            resources.iter().filter(|(_, r)| get_str(r, "Type") == Some("AWS::Serverless::Api")).collect();
        let [(api_id, api)] = apis.as_slice() else {
            return Err(invalid("Resources", format!("one AWS::Serverless::Api expected, found {}", apis.len())));
        };
        let api_props = get(api, "Properties");
        let auth = api_props.and_then(|p| get(p, "Auth"));
        let default_authorizer = auth.and_then(|a| get_str(a, "DefaultAuthorizer")).map(str::to_string);
        let (authorizers, imported) = read_authorizers(api_id, auth, &resolver)?;
        if let Some(name) = &default_authorizer
            && !authorizers.iter().any(|a| &a.name == name)
        {
            return Err(invalid(format!("{api_id}.Auth.DefaultAuthorizer"), format!("no authorizer named {name}")));
        }
        let responses = read_responses(api_id, api_props.and_then(|p| get(p, "GatewayResponses")))?;
        let stage_variables = read_stage_variables(api_id, api_props.and_then(|p| get(p, "Variables")), &resolver)?;

        let globals = get(doc, "Globals").and_then(|g| get(g, "Function"));
        let mut routes = Vec::new();
        let mut functions = Vec::new();
        for (id, resource) in &resources {
            if get_str(resource, "Type") != Some("AWS::Serverless::Function") {
                continue;
            }
            let props = get(resource, "Properties");
            let mut served = false;
            for (event_id, event) in entries(props.and_then(|p| get(p, "Events"))) {
                if get_str(event, "Type") != Some("Api") {
                    continue;
                }
                let at = format!("{id}.Events.{event_id}");
                let route = read_route(&at, id, api_id, get(event, "Properties"), default_authorizer.as_deref())?;
                if let Some(name) = &route.authorizer
                    && !authorizers.iter().any(|a| &a.name == name)
                {
                    return Err(invalid(at, format!("no authorizer named {name}")));
                }
                routes.push(route);
                served = true;
            }
            if served || authorizers.iter().any(|a| &a.function == id) {
                functions.push(read_function(id, resource, props, globals, &resolver)?);
            }
        }
        for f in imported {
            if functions.iter().any(|known| known.logical_id == f.logical_id) {
                continue;
            }
            functions.push(f);
        }
        for a in &authorizers {
            if !functions.iter().any(|f| f.logical_id == a.function) {
                return Err(invalid(format!("{api_id}.Auth.Authorizers.{}", a.name), "FunctionArn names no function"));
            }
        }
        Ok(Template { routes, authorizers, responses, functions, stage_variables })
    }
}

fn read_route(
    at: &str,
    function: &str,
    api_id: &str,
    props: Option<&Value>,
    default_authorizer: Option<&str>,
) -> Result<RouteSpec, TemplateError> {
    let props = props.ok_or_else(|| invalid(at, "no Properties"))?;
    // An event of another API (or of SAM's implicit one) is not this API's route.
    if let Some(rest_api) = get(props, "RestApiId").map(untag).and_then(Value::as_str)
        && rest_api != api_id
    {
        return Err(invalid(at, format!("RestApiId {rest_api}: only the one Api {api_id} is served")));
    }
    let path = get_str(props, "Path").ok_or_else(|| invalid(at, "no Path"))?;
    let method = get_str(props, "Method").ok_or_else(|| invalid(at, "no Method"))?;
    if !path.starts_with('/') {
        return Err(invalid(at, format!("Path {path:?} does not start with /")));
    }
    let authorizer = match get(props, "Auth").and_then(|a| get_str(a, "Authorizer")) {
        Some("NONE") => None,
        Some(name) => Some(name.to_string()),
        None => default_authorizer.map(str::to_string),
    };
    Ok(RouteSpec {
        method: method.to_ascii_uppercase(),
        path: path.to_string(),
        function: function.to_string(),
        authorizer,
    })
}

/// The Api's authorizers, and the functions they import from latchkey's stack.
fn read_authorizers(
    api_id: &str,
    auth: Option<&Value>,
    r: &Resolver,
) -> Result<(Vec<AuthorizerSpec>, Vec<FunctionSpec>), TemplateError> {
    let mut out = Vec::new();
    let mut imported = Vec::new();
    for (name, a) in entries(auth.and_then(|a| get(a, "Authorizers"))) {
        let at = format!("{api_id}.Auth.Authorizers.{name}");
        match get_str(a, "FunctionPayloadType") {
            Some("REQUEST") => {}
            other => return Err(invalid(at, format!("FunctionPayloadType {other:?}: only REQUEST authorizers run"))),
        }
        let arn = get(a, "FunctionArn").ok_or_else(|| invalid(&at, "no FunctionArn"))?;
        let function = match r.import(arn, &format!("{at}.FunctionArn"))? {
            Some(Import::LatchkeyAuthorizer { function }) => {
                imported.push(imported_authorizer(&function));
                function
            }
            None => super::intrinsics::get_att_target(arn).ok_or_else(|| {
                invalid(&at, "FunctionArn must be !GetAtt <Function>.Arn or latchkey's exported authorizer")
            })?,
        };
        let identity = get(a, "Identity");
        let identity_headers = identity
            .and_then(|i| get(i, "Headers"))
            .map(untag)
            .and_then(Value::as_sequence)
            .map(|s| s.iter().filter_map(|h| untag(h).as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        let cache_seconds = match identity.and_then(|i| get(i, "ReauthorizeEvery")) {
            Some(v) => r.resolve(v, &format!("{at}.Identity.ReauthorizeEvery"))?.parse().unwrap_or(0),
            None => 0,
        };
        out.push(AuthorizerSpec { name, function, identity_headers, cache_seconds });
    }
    Ok((out, imported))
}

/// latchkey's authorizer as another stack imports it, run under the name `function`.
fn imported_authorizer(function: &str) -> FunctionSpec {
    FunctionSpec {
        logical_id: function.to_string(),
        binary: IMPORTED_AUTHORIZER_BINARY.to_string(),
        timeout: Duration::from_secs(IMPORTED_AUTHORIZER_TIMEOUT_SECONDS),
        memory_mb: DEFAULT_MEMORY_MB,
        environment: BTreeMap::from([("RUST_LOG".to_string(), "info".to_string())]),
    }
}

/// The stage's `Variables`: a mapping of names to text, after `!If` and `AWS::NoValue`.
fn read_stage_variables(
    api_id: &str,
    variables: Option<&Value>,
    r: &Resolver,
) -> Result<BTreeMap<String, String>, TemplateError> {
    let at = format!("{api_id}.Variables");
    let Some(resolved) = variables.map(|v| r.value(v, &at)).transpose()?.flatten() else {
        return Ok(BTreeMap::new());
    };
    let Value::Mapping(map) = resolved else {
        return Err(invalid(at, "Variables must be a mapping of names to values"));
    };
    let mut out = BTreeMap::new();
    for (name, value) in &map {
        let name = name.as_str().ok_or_else(|| invalid(&at, "a variable's name must be text"))?;
        out.insert(name.to_string(), r.resolve(value, &format!("{at}.{name}"))?);
    }
    Ok(out)
}

fn read_responses(
    api_id: &str,
    responses: Option<&Value>,
) -> Result<BTreeMap<String, GatewayResponseSpec>, TemplateError> {
    let mut out = BTreeMap::new();
    for (kind, response) in entries(responses) {
        let at = format!("{api_id}.GatewayResponses.{kind}");
        let status = match get(response, "StatusCode").map(untag) {
            None => None,
            Some(v) => Some(
                v.as_u64()
                    .and_then(|n| u16::try_from(n).ok())
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                    .filter(|s| (100..=599).contains(s))
                    .ok_or_else(|| invalid(&at, "StatusCode is not an HTTP status"))?,
            ),
        };
        let mut headers = Vec::new();
        for (name, value) in entries(get(response, "ResponseParameters").and_then(|p| get(p, "Headers"))) {
            let raw = untag(value).as_str().unwrap_or_default();
            // A static value is quoted ('...'); anything else maps from the request, which
            // the gateway does not do.
            let Some(value) = raw.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) else {
                return Err(invalid(&at, format!("header {name}: only static ('quoted') values are served")));
            };
            headers.push((name, value.to_string()));
        }
        let templates = entries(get(response, "ResponseTemplates"));
        let body = templates
            .iter()
            .find(|(content_type, _)| content_type == "application/json")
            .or(templates.first())
            .and_then(|(_, body)| untag(body).as_str().map(str::to_string));
        out.insert(kind, GatewayResponseSpec { status, headers, body });
    }
    Ok(out)
}

fn read_function(
    id: &str,
    resource: &Value,
    props: Option<&Value>,
    globals: Option<&Value>,
    r: &Resolver,
) -> Result<FunctionSpec, TemplateError> {
    let binary = get(resource, "Metadata")
        .and_then(|m| get(m, "BuildProperties"))
        .and_then(|b| get_str(b, "Binary"))
        .ok_or_else(|| invalid(id, "no Metadata.BuildProperties.Binary (the binary that runs it)"))?;
    // The function's own setting, else Globals', else Lambda's default.
    let setting = |name: &str| props.and_then(|p| get(p, name)).or_else(|| globals.and_then(|g| get(g, name)));
    let number = |name: &str, default: u64| -> Result<u64, TemplateError> {
        match setting(name) {
            None => Ok(default),
            Some(v) => {
                let at = format!("{id}.{name}");
                let text = r.resolve(v, &at)?;
                text.parse().map_err(|_| invalid(at, format!("{text:?} is not a whole number")))
            }
        }
    };
    let timeout = Duration::from_secs(number("Timeout", DEFAULT_TIMEOUT_SECONDS)?.max(1));
    let memory_mb = number("MemorySize", DEFAULT_MEMORY_MB)?;
    let mut environment = BTreeMap::new();
    for source in [globals, props] {
        let variables = source.and_then(|s| get(s, "Environment")).and_then(|e| get(e, "Variables"));
        for (name, value) in entries(variables) {
            let value = r.resolve(value, &format!("{id}.Environment.Variables.{name}"))?;
            environment.insert(name, value);
        }
    }
    Ok(FunctionSpec { logical_id: id.to_string(), binary: binary.to_string(), timeout, memory_mb, environment })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::intrinsics::LocalValues;

    fn local() -> LocalValues {
        LocalValues { table_name: "local-table".into(), region: "eu-west-1".into(), parameters: BTreeMap::new() }
    }

    fn the_template() -> Template {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
        Template::load(&path, &local()).expect("template.yaml reads")
    }

    #[test]
    fn the_templates_routes_are_the_route_table() {
        let t = the_template();
        let mut declared: Vec<(String, String)> = t.routes.iter().map(|r| (r.method.clone(), r.path.clone())).collect();
        let mut table: Vec<(String, String)> =
            latchkey::api::ROUTES.iter().map(|r| (r.method.to_string(), r.path.to_string())).collect();
        declared.sort();
        table.sort();
        assert_eq!(declared, table);
        for route in latchkey::api::ROUTES {
            let spec = t.routes.iter().find(|r| r.method == route.method && r.path == route.path).unwrap();
            let guarded = route.access != latchkey::api::Access::Public;
            assert_eq!(spec.authorizer.is_some(), guarded, "{} {}", route.method, route.path);
            let function = t.functions.iter().find(|f| f.logical_id == spec.function).unwrap();
            assert_eq!(function.binary, route.function);
        }
    }

    #[test]
    fn functions_get_globals_and_their_own_settings_resolved() {
        let t = the_template();
        let me = t.functions.iter().find(|f| f.binary == "me").unwrap();
        assert_eq!(me.timeout, Duration::from_secs(10));
        assert_eq!(me.memory_mb, 128);
        assert_eq!(me.environment["TABLE_NAME"], "local-table");
        assert_eq!(me.environment["ACCESS_TOKEN_MAX_DAYS"], "365");
        assert_eq!(me.environment["RUST_LOG"], "info");
        // No route, no authorizer: not run.
        assert!(!t.functions.iter().any(|f| f.binary == "bootstrap" || f.binary == "housekeeping"));
        let authorizer = &t.authorizers[0];
        assert_eq!(authorizer.identity_headers, vec!["Authorization".to_string()]);
        assert_eq!(authorizer.cache_seconds, 0);
        assert!(t.functions.iter().any(|f| f.logical_id == authorizer.function && f.binary == "authorizer"));
    }

    #[test]
    fn gateway_responses_are_read_with_their_quotes_removed() {
        let t = the_template();
        let missing = &t.responses["MISSING_AUTHENTICATION_TOKEN"];
        assert_eq!(missing.status, Some(404));
        assert!(missing.headers.contains(&("Content-Type".to_string(), "application/problem+json".to_string())));
        assert!(missing.body.as_deref().unwrap_or_default().contains("\"code\":\"not_found\""));
    }

    #[test]
    fn an_unknown_authorizer_or_a_token_authorizer_is_refused() {
        let doc: Value = serde_norway::from_str(
            "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      Auth:\n        DefaultAuthorizer: Nope\n",
        )
        .unwrap();
        let e = Template::from_document(&doc, &local()).unwrap_err().to_string();
        assert!(e.contains("no authorizer named Nope"), "{e}");
        let doc: Value = serde_norway::from_str(
            "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      Auth:\n        Authorizers:\n          T:\n            FunctionPayloadType: TOKEN\n            FunctionArn: !GetAtt F.Arn\n",
        )
        .unwrap();
        let e = Template::from_document(&doc, &local()).unwrap_err().to_string();
        assert!(e.contains("only REQUEST authorizers"), "{e}");
    }
}

#[cfg(test)]
mod protected_tests;
