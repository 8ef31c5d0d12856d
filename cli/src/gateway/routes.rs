//! Routes matched the way API Gateway (REST) matches them: the template's paths form a
//! resource tree; at each level a static segment wins over a `{param}` (and a `{param}`
//! over a greedy `{proxy+}`), with no going back once a static segment matched; then the
//! method is looked up on the resource found (`ANY` when no exact one). An empty segment
//! (`//`) and a trailing `/` are not part of the match, as on API Gateway, which serves
//! `/console/` with `/console`'s method. Parameters are handed on as they arrived (still
//! percent-encoded), as a REST API does.

use super::template::RouteSpec;
use std::collections::BTreeMap;

#[derive(Debug, Default)]
struct Node {
    statics: BTreeMap<String, Node>,
    param: Option<(String, Box<Node>)>,
    greedy: Option<(String, Box<Node>)>,
    /// Method → index into the route list.
    methods: BTreeMap<String, usize>,
}

#[derive(Debug)]
pub struct RouteTable {
    routes: Vec<RouteSpec>,
    root: Node,
}

/// A request's route and its path parameters.
#[derive(Debug, PartialEq, Eq)]
pub struct Matched<'a> {
    pub route: &'a RouteSpec,
    pub params: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{method} {path} is declared twice")]
pub struct DuplicateRoute {
    method: String,
    path: String,
}

impl RouteTable {
    pub fn new(routes: Vec<RouteSpec>) -> Result<Self, DuplicateRoute> {
        let mut root = Node::default();
        for (i, route) in routes.iter().enumerate() {
            let mut node = &mut root;
            for segment in route.path.split('/').filter(|s| !s.is_empty()) {
                node = match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) if name.ends_with('+') => {
                        let name = name.trim_end_matches('+').to_string();
                        &mut node.greedy.get_or_insert_with(|| (name, Box::default())).1
                    }
                    Some(name) => &mut node.param.get_or_insert_with(|| (name.to_string(), Box::default())).1,
                    None => node.statics.entry(segment.to_string()).or_default(),
                };
            }
            if node.methods.insert(route.method.clone(), i).is_some() {
                return Err(DuplicateRoute { method: route.method.clone(), path: route.path.clone() });
            }
        }
        Ok(Self { routes, root })
    }

    pub fn routes(&self) -> &[RouteSpec] {
        &self.routes
    }

    /// The route serving `method path`, or `None` (the gateway's missing-token answer).
    pub fn find(&self, method: &str, path: &str) -> Option<Matched<'_>> {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut node = &self.root;
        let mut params = Vec::new();
        let mut i = 0;
        while i < segments.len() {
            let segment = segments[i];
            if let Some(next) = node.statics.get(segment) {
                node = next;
            } else if let Some((name, next)) = &node.param {
                params.push((name.clone(), segment.to_string()));
                node = next;
            } else if let Some((name, next)) = &node.greedy {
                params.push((name.clone(), segments[i..].join("/")));
                node = next;
                break;
            } else {
                return None;
            }
            i += 1;
        }
        let index = node.methods.get(method).or_else(|| node.methods.get("ANY"))?;
        Some(Matched { route: &self.routes[*index], params })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[(&str, &str)]) -> RouteTable {
        RouteTable::new(
            rows.iter()
                .map(|(m, p)| RouteSpec {
                    method: m.to_string(),
                    path: p.to_string(),
                    function: format!("{m} {p}"),
                    authorizer: None,
                })
                .collect(),
        )
        .unwrap()
    }

    fn found(t: &RouteTable, method: &str, path: &str) -> Option<(String, Vec<(String, String)>)> {
        t.find(method, path).map(|m| (m.route.path.clone(), m.params))
    }

    #[test]
    fn static_segments_win_and_params_arrive_encoded() {
        let t = table(&[
            ("GET", "/users/{user_id}"),
            ("POST", "/users/{user_id}/cli-tokens/rotate"),
            ("POST", "/users/me/cli-tokens/rotate"),
            ("DELETE", "/users/me/cli-tokens"),
        ]);
        assert_eq!(found(&t, "POST", "/users/me/cli-tokens/rotate").unwrap().0, "/users/me/cli-tokens/rotate");
        let (path, params) = found(&t, "POST", "/users/a%40b/cli-tokens/rotate").unwrap();
        assert_eq!(path, "/users/{user_id}/cli-tokens/rotate");
        assert_eq!(params, vec![("user_id".to_string(), "a%40b".to_string())]);
        // The static resource exists with another method: no fall-back to {user_id}.
        assert_eq!(found(&t, "GET", "/users/me/cli-tokens"), None);
        // `/users/me` is a resource (a parent) with no method of its own.
        assert_eq!(found(&t, "GET", "/users/me"), None);
        assert_eq!(found(&t, "PUT", "/users/x"), None);
        assert_eq!(found(&t, "GET", "/nothing"), None);
        assert_eq!(found(&t, "GET", "/"), None);
    }

    #[test]
    fn empty_segments_and_a_trailing_slash_do_not_count() {
        let t = table(&[("GET", "/console"), ("GET", "/console/{asset}")]);
        assert_eq!(found(&t, "GET", "/console/").unwrap().0, "/console");
        assert_eq!(found(&t, "GET", "//console").unwrap().0, "/console");
        assert_eq!(found(&t, "GET", "/console/app.js/").unwrap().1, vec![("asset".into(), "app.js".into())]);
        assert_eq!(found(&t, "GET", "//evil.example/"), None);
    }

    #[test]
    fn any_and_greedy_paths() {
        let t = table(&[("ANY", "/files/{proxy+}"), ("GET", "/files/{name}/meta"), ("DELETE", "/files/x")]);
        assert_eq!(found(&t, "GET", "/files/a/meta").unwrap().0, "/files/{name}/meta");
        assert_eq!(found(&t, "POST", "/files/x"), None, "the static x wins and has no POST");
        assert_eq!(found(&t, "GET", "/files/a"), None, "{{name}} wins over {{proxy+}} and has no GET here");
        assert!(RouteTable::new(vec![t.routes()[2].clone(), t.routes()[2].clone()]).is_err());
    }
}
