//! The walk's lists: pagination visits every item once, and a filter that matches nothing
//! still checks its paging parameters.

use super::*;

pub(super) async fn pagination_walks_every_item_once(app: &TestApp) {
    let o = &app.owner_token;
    let mut names = Vec::new();
    for i in 0..23 {
        let name = format!("svc-{i:02}");
        app.add_service_account(&name, None).await;
        app.clock.advance(Duration::milliseconds(1));
        names.push(name);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/service-accounts?max_items=7&cursor={c}"),
            None => "/service-accounts?max_items=7".to_string(),
        };
        let page = app.get(&path, o).await;
        let v = page.assert_status(200).clone();
        let items = v["items"].as_array().unwrap();
        assert!(items.len() <= 7);
        seen.extend(items.iter().map(|i| s(&i["name"])));
        pages += 1;
        match v["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    names.reverse(); // newest first
    assert_eq!(seen, names);
    // A cursor from one list is refused by another.
    let first = app.get("/service-accounts?max_items=1", o).await.body;
    let c = s(&first["next_cursor"]);
    app.get(&format!("/users?cursor={c}"), o).await.assert_problem(400, "validation_failed");
    app.get(&format!("/api-keys?cursor={c}"), o).await.assert_problem(400, "validation_failed");
}

/// A filter that names nothing answers an empty list, but only after `max_items` and
/// `cursor` were checked like any list's (found by the stateful contract run).
pub(super) async fn list_filters_that_match_nothing_still_check_their_paging_parameters(app: &TestApp) {
    for path in ["/api-keys?service_account_email=nobody%40example.com", "/tokens?user=nobody%40example.com"] {
        for bad in ["max_items=0", "max_items=7789", "cursor=forged"] {
            app.get(&format!("{path}&{bad}"), &app.owner_token).await.assert_problem(400, "validation_failed");
        }
        let empty = app.get(&format!("{path}&max_items=5"), &app.owner_token).await;
        assert_eq!(empty.assert_status(200)["items"], json!([]));
    }
}
