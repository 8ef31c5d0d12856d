//! `GET /console` and `GET /console/{asset}`: the web console's static files, embedded in
//! the binary. No data: the page calls the API with the token the user pastes.

use super::*;

/// (name, content type, bytes). Only these names are served; anything else is 404.
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("index.html", HTML, include_bytes!("../../../console/index.html")),
    ("style.css", CSS, include_bytes!("../../../console/style.css")),
    ("app.js", JS, include_bytes!("../../../console/app.js")),
    ("api.js", JS, include_bytes!("../../../console/api.js")),
    ("dom.js", JS, include_bytes!("../../../console/dom.js")),
    ("dialogs.js", JS, include_bytes!("../../../console/dialogs.js")),
    ("table.js", JS, include_bytes!("../../../console/table.js")),
    ("users.js", JS, include_bytes!("../../../console/users.js")),
    ("service-accounts.js", JS, include_bytes!("../../../console/service-accounts.js")),
    ("api-keys.js", JS, include_bytes!("../../../console/api-keys.js")),
    ("tokens.js", JS, include_bytes!("../../../console/tokens.js")),
    ("me.js", JS, include_bytes!("../../../console/me.js")),
    ("scopes.js", JS, include_bytes!("../../../console/scopes.js")),
    ("audit.js", JS, include_bytes!("../../../console/audit.js")),
    ("lifecycle.js", JS, include_bytes!("../../../console/lifecycle.js")),
    ("organization.js", JS, include_bytes!("../../../console/organization.js")),
];

const HTML: &str = "text/html; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// Strict: no inline script, no third-party origins, no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn page(req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    input::no_body(req)?;
    serve("index.html")
}

pub fn asset(req: &ApiRequest) -> Result<ApiResponse, ApiError> {
    input::no_body(req)?;
    serve(input::path_param(req, "asset")?)
}

fn serve(name: &str) -> Result<ApiResponse, ApiError> {
    let (_, content_type, bytes) = ASSETS.iter().find(|(n, _, _)| *n == name).ok_or(ApiError::NotFound)?;
    let mut response = ApiResponse::bytes(200, content_type, bytes.to_vec());
    response.headers.retain(|(k, _)| *k != "cache-control");
    response.headers.push(("cache-control", "no-cache".into()));
    response.headers.push(("content-security-policy", CSP.into()));
    response.headers.push(("referrer-policy", "no-referrer".into()));
    response.headers.push(("x-frame-options", "DENY".into()));
    response.headers.push(("cross-origin-opener-policy", "same-origin".into()));
    response.headers.push(("cross-origin-resource-policy", "same-origin".into()));
    response
        .headers
        .push(("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()".into()));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_is_served_with_the_security_headers() {
        for (name, content_type, _) in ASSETS {
            let response = serve(name).expect(name);
            assert_eq!(response.status, 200);
            assert_eq!(response.header("content-type"), Some(*content_type));
            assert_eq!(response.header("content-security-policy"), Some(CSP));
            assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
            assert_eq!(response.header("referrer-policy"), Some("no-referrer"));
            assert_eq!(response.header("x-frame-options"), Some("DENY"));
        }
        assert!(serve("nope.js").is_err());
        assert!(serve("../Cargo.toml").is_err());
    }

    #[test]
    fn assets_have_no_inline_script_style_or_html_injection() {
        for (name, _, bytes) in ASSETS {
            let text = std::str::from_utf8(bytes).expect(name);
            assert!(!text.contains("innerHTML"), "{name} uses innerHTML");
            assert!(!text.contains("outerHTML"), "{name} uses outerHTML");
            assert!(!text.contains("insertAdjacentHTML"), "{name} uses insertAdjacentHTML");
            assert!(!text.contains("localStorage"), "{name} uses localStorage");
            assert!(!text.contains("document.cookie"), "{name} uses cookies");
            assert!(!text.contains("eval("), "{name} uses eval");
            if name.ends_with(".html") {
                assert!(!text.contains(" style="), "{name} has an inline style");
                assert!(!text.contains(" onclick="), "{name} has an inline handler");
                assert!(!text.contains("<script>"), "{name} has an inline script");
            }
        }
    }

    #[test]
    fn the_audit_tab_offers_exactly_the_audit_actions() {
        let (_, _, bytes) = ASSETS.iter().find(|(n, _, _)| *n == "audit.js").expect("audit.js");
        let text = std::str::from_utf8(bytes).expect("audit.js");
        let list = text.split("const ACTIONS = [").nth(1).and_then(|t| t.split("];").next()).expect("ACTIONS");
        let offered: Vec<&str> =
            list.split(',').map(|a| a.trim().trim_matches('\'')).filter(|a| !a.is_empty()).collect();
        let known: Vec<&str> = crate::domain::AuditAction::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(offered, known);
    }

    #[test]
    fn every_module_import_is_an_asset() {
        for (name, _, bytes) in ASSETS {
            let text = std::str::from_utf8(bytes).expect(name);
            for line in text.lines().filter(|l| l.starts_with("import ")) {
                let target = line.rsplit("from '").next().and_then(|t| t.split('\'').next()).unwrap_or("");
                let target = target.trim_start_matches("./");
                assert!(ASSETS.iter().any(|(n, _, _)| *n == target), "{name} imports {target}, which is not served");
            }
        }
    }
}
