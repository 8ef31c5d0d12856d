//! A function binary names its route by a typed id (SPEC section 7, "Fail closed in the
//! wiring too"): `functions/src/bin/<function>.rs` serves `RouteId::<X>` where route X is
//! served by `<function>`, so the binary a template function builds is the one that serves
//! that function's routes, never a neighbour's.

use super::{ROUTELESS, repo_root};
use latchkey::api::ROUTES;

#[test]
fn every_route_binary_names_a_route_of_its_own_function() {
    let dir = repo_root().join("functions/src/bin");
    let mut problems = Vec::new();
    let mut functions: Vec<&str> = ROUTES.iter().map(|r| r.function).collect();
    functions.dedup();
    for function in functions {
        let path = dir.join(format!("{function}.rs"));
        let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let named: Vec<&str> = source
            .split("serve_route(")
            .skip(1)
            .map(|rest| rest.split(')').next().unwrap_or("").trim())
            .map(|arg| arg.rsplit("RouteId::").next().unwrap_or(arg))
            .collect();
        match named.as_slice() {
            [id] => match ROUTES.iter().find(|r| format!("{:?}", r.id) == *id) {
                Some(route) if route.function == function => {}
                Some(route) => problems.push(format!(
                    "{}: serves RouteId::{id}, a route of function {:?}",
                    path.display(),
                    route.function
                )),
                None => problems.push(format!("{}: serve_route({id}) names no RouteId", path.display())),
            },
            other => problems.push(format!(
                "{}: must call latchkey::lambda::http::serve_route(RouteId::..) once, calls it {other:?}",
                path.display()
            )),
        }
    }
    for function in ROUTELESS {
        let path = dir.join(format!("{function}.rs"));
        let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        if source.contains("serve_route") {
            problems.push(format!("{}: a route-less function serves a route", path.display()));
        }
    }
    assert!(problems.is_empty(), "function binaries:\n  - {}\n", problems.join("\n  - "));
}
