//! Hostile JSON bodies and bytes sent to every route that reads a body, through the local
//! server on SQLite: each gets a 4xx problem+json and changes nothing; a route that takes no
//! body refuses one before anything happens.

use super::*;

/// Any JSON value, nested a little.
fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        "[a-zA-Z0-9@._\\- ]{0,30}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map("[a-z_]{0,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A value that is certainly invalid for `field` of a body-taking route.
fn invalid_for(field: &'static str) -> BoxedStrategy<Value> {
    let not_string = any_json().prop_filter("not a string", |v| !v.is_string() && !v.is_null());
    match field {
        "email" => prop_oneof![
            not_string.clone(),
            "[a-z0-9. ]{0,20}".prop_map(Value::from),
            "[a-z]{1,8} [a-z]{1,8}@example\\.com".prop_map(Value::from),
            "[a-z]{1,8}@org-[0-9]{1,4}\\.serviceaccount\\.com".prop_map(Value::from),
            "[a-z]{65,80}@example\\.com".prop_map(Value::from),
        ]
        .boxed(),
        "name" => prop_oneof![
            not_string.clone(),
            "[a-z]{1,5}[\\x00-\\x1f][a-z]{1,5}".prop_map(Value::from),
            "[a-z]{101,120}".prop_map(Value::from),
        ]
        .boxed(),
        "sa_name" => prop_oneof![
            not_string.clone(),
            Just(Value::from("")),
            "[0-9\\-][a-z0-9\\-]{0,10}".prop_map(Value::from),
            "[a-z][a-z0-9]{0,10}-".prop_map(Value::from),
            "[a-z][a-z0-9]{0,5}[A-Z_. @é][a-z0-9]{0,5}".prop_map(Value::from),
            "[a-z]{64,80}".prop_map(Value::from),
        ]
        .boxed(),
        "permission_level" => prop_oneof![
            not_string.clone(),
            "[A-Za-z_]{0,14}".prop_filter("not a level", |s| s != "OWNER" && s != "COLLABORATOR").prop_map(Value::from),
            Just(Value::from("owner")),
        ]
        .boxed(),
        "roles" => prop_oneof![
            any_json().prop_filter("not an array", |v| !v.is_array() && !v.is_null()),
            proptest::collection::vec(any_json(), 1..4).prop_map(|mut v| {
                v.push(Value::from("TokenDestroyer"));
                Value::from(v)
            }),
        ]
        .boxed(),
        "lifespan_days" => prop_oneof![
            (i64::MIN..1).prop_map(Value::from),
            (366i64..i64::MAX).prop_map(Value::from),
            (0.5f64..100.0).prop_filter("fractional", |f| f.fract() != 0.0).prop_map(Value::from),
            "[0-9]{1,3}".prop_map(Value::from),
        ]
        .boxed(),
        "user" => prop_oneof![
            not_string.clone(),
            "[a-z0-9\\-]{0,40}".prop_map(Value::from),
            Just(Value::from(Uuid::new_v4().to_string())),
            "[a-z]{1,8}@nobody\\.example".prop_map(Value::from),
        ]
        .boxed(),
        "description" => prop_oneof![not_string.clone(), "[a-z ]{257,300}".prop_map(Value::from)].boxed(),
        "revoked" => any_json().prop_filter("not a bool", |v| !v.is_boolean() && !v.is_null()).boxed(),
        other => panic!("no invalid strategy for {other}"),
    }
}

/// A valid-looking value for `field` (may or may not be accepted on its own).
fn plausible_for(field: &'static str) -> BoxedStrategy<Value> {
    match field {
        "email" => "[a-z]{1,8}@example\\.com".prop_map(Value::from).boxed(),
        "name" => "[A-Za-z ]{0,20}".prop_map(Value::from).boxed(),
        "sa_name" => "[a-z][a-z0-9\\-]{0,10}[a-z]".prop_map(Value::from).boxed(),
        "permission_level" => prop_oneof![Just(Value::from("OWNER")), Just(Value::from("COLLABORATOR"))].boxed(),
        "roles" => prop_oneof![Just(json!([])), Just(json!(["TokenCreator"]))].boxed(),
        "lifespan_days" => (1i64..=365).prop_map(Value::from).boxed(),
        "user" => Just(Value::from("owner@example.com")).boxed(),
        "description" => "[a-z ]{0,20}".prop_map(Value::from).boxed(),
        "revoked" => any::<bool>().prop_map(Value::from).boxed(),
        other => panic!("no plausible strategy for {other}"),
    }
}

/// A JSON object with some fields of the route plausible, one certainly invalid, and
/// sometimes an unknown field too: never a valid request.
fn invalid_object(fields: &'static [&'static str]) -> BoxedStrategy<Value> {
    let n = fields.len();
    (0..n, proptest::collection::vec(any::<bool>(), n), proptest::option::of(("[a-z_]{1,12}", any_json())))
        .prop_flat_map(move |(bad, present, unknown)| {
            let plausible: Vec<BoxedStrategy<Value>> = fields.iter().map(|f| plausible_for(f)).collect();
            (invalid_for(fields[bad]), plausible, Just(bad), Just(present), Just(unknown))
        })
        .prop_map(move |(bad_value, plausible, bad, present, unknown)| {
            let mut o = serde_json::Map::new();
            for (i, f) in fields.iter().enumerate() {
                let key = if *f == "sa_name" { "name" } else { f };
                if i == bad {
                    o.insert(key.to_string(), bad_value.clone());
                } else if present[i] {
                    o.insert(key.to_string(), plausible[i].clone());
                }
            }
            if let Some((k, v)) = unknown {
                let known = fields.iter().any(|f| *f == k || (*f == "sa_name" && k == "name"));
                if !known {
                    o.insert(k, v);
                }
            }
            Value::Object(o)
        })
        .boxed()
}

/// Bytes that are not a JSON object (and not empty or whitespace, which counts as `{}`).
fn junk_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 1..300),
        "[\\{\\}\\[\\]\":,0-9a-z \\\\]{1,40}".prop_map(String::into_bytes),
        Just(b"{".to_vec()),
        Just(b"{\"email\": \"a@b.c\"".to_vec()),
        Just(vec![0xEF, 0xBB, 0xBF, b'{', b'}']),
        Just(b"{\"email\":\"a@b.c\",\"email\":\"d@e.f\"}x".to_vec()),
    ]
    .prop_filter("not an object nor blank", |b| {
        !b.iter().all(u8::is_ascii_whitespace) && !matches!(serde_json::from_slice::<Value>(b), Ok(Value::Object(_)))
    })
}

/// A body for a route that takes none: anything non-blank that is not `{}`.
fn non_empty_body() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        junk_bytes(),
        any_json()
            .prop_filter("not {}", |v| !matches!(v, Value::Object(m) if m.is_empty()))
            .prop_map(|v| v.to_string().into_bytes()),
    ]
    .boxed()
}

/// A body that is never a valid request to a body-taking route with `fields`.
fn hostile_body(fields: &'static [&'static str]) -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        3 => invalid_object(fields).prop_map(|v| v.to_string().into_bytes()),
        1 => any_json().prop_filter("not an object", |v| !v.is_object()).prop_map(|v| v.to_string().into_bytes()),
        1 => junk_bytes(),
    ]
    .boxed()
}

#[track_caller]
fn check_refused(reply: &Reply, what: &str) -> Result<(), TestCaseError> {
    prop_assert!((400..500).contains(&reply.status), "{what}: expected a 4xx, got {} {}", reply.status, reply.text);
    prop_assert_eq!(&reply.content_type, "application/problem+json", "{}: {}", what, reply.text);
    prop_assert_eq!(reply.body["status"].as_u64(), Some(u64::from(reply.status)));
    prop_assert!(reply.body["code"].is_string() && reply.body["detail"].is_string(), "{}", reply.text);
    Ok(())
}

struct Target {
    method: &'static str,
    path: String,
    body: BoxedStrategy<Vec<u8>>,
}

#[test]
fn hostile_bodies_on_every_route_get_a_4xx_and_change_nothing() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let app: TestApp = rt.block_on(async { spawn_app(latchkey_tests::sqlite_store().await).await });
    let (collab_id, token_id, key_id) = rt.block_on(async {
        let (collab_id, _) = app.add_user("collab@example.com", json!({})).await;
        app.add_service_account("robot", None).await;
        let t = app.post("/tokens", &app.owner_token, json!({"description": "mine"})).await;
        let token_id = t.assert_status(201)["token_info"]["id"].as_str().unwrap().to_string();
        let keys = app.get("/service-accounts/robot/api-keys", &app.owner_token).await;
        let key_id = keys.assert_status(200)["items"][0]["id"].as_str().unwrap().to_string();
        (collab_id, token_id, key_id)
    });
    let before = rt.block_on(app.snapshot(&app.owner_token));
    const USER: &[&str] = &["email", "name", "permission_level", "roles"];
    const USER_UPDATE: &[&str] = &["permission_level", "roles"];
    const SA: &[&str] = &["sa_name", "permission_level"];
    const TOKEN: &[&str] = &["user", "lifespan_days", "description"];
    const TOKEN_UPDATE: &[&str] = &["description", "revoked"];
    let targets = vec![
        Target { method: "POST", path: "/users".into(), body: hostile_body(USER) },
        Target { method: "PATCH", path: format!("/users/{collab_id}"), body: hostile_body(USER_UPDATE) },
        Target { method: "POST", path: "/service-accounts".into(), body: hostile_body(SA) },
        Target { method: "POST", path: "/tokens".into(), body: hostile_body(TOKEN) },
        Target { method: "PATCH", path: format!("/tokens/{token_id}"), body: hostile_body(TOKEN_UPDATE) },
        // Routes without a body: a body must be refused before anything happens.
        Target { method: "DELETE", path: format!("/users/{collab_id}"), body: non_empty_body() },
        Target { method: "POST", path: "/users/me/cli-tokens/rotate".into(), body: non_empty_body() },
        Target { method: "DELETE", path: "/users/me/cli-tokens".into(), body: non_empty_body() },
        Target { method: "POST", path: format!("/users/{collab_id}/cli-tokens/rotate"), body: non_empty_body() },
        Target { method: "DELETE", path: "/service-accounts/robot".into(), body: non_empty_body() },
        Target { method: "POST", path: "/service-accounts/robot/api-keys".into(), body: non_empty_body() },
        Target { method: "POST", path: "/service-accounts/robot/api-keys/rotate".into(), body: non_empty_body() },
        Target { method: "DELETE", path: "/service-accounts/robot/api-keys".into(), body: non_empty_body() },
        Target { method: "DELETE", path: format!("/api-keys/{key_id}"), body: non_empty_body() },
    ];
    let per_route = cases(48);
    let mut total = 0;
    for target in targets {
        let mut runner = TestRunner::new(config(per_route));
        let result = runner.run(&target.body, |body| {
            rt.block_on(async {
                let what = format!("{} {} with {:?}", target.method, target.path, String::from_utf8_lossy(&body));
                let reply = app
                    .raw(target.method, &format!("/api/v1{}", target.path), Some(&app.owner_token), Some(body), None)
                    .await;
                check_refused(&reply, &what)?;
                let after = app.snapshot(&app.owner_token).await;
                prop_assert!(after == before, "{what} changed the organization");
                Ok::<(), TestCaseError>(())
            })
        });
        if let Err(e) = result {
            panic!("{} {}: {e}", target.method, target.path);
        }
        total += per_route;
    }
    // The owner's token still works: no hostile body rotated or revoked it.
    assert_eq!(rt.block_on(app.me_status(&app.owner_token)), 200);
    eprintln!("hostile bodies: {total} requests, all refused with 4xx, nothing changed");
}
