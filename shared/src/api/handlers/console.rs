//! `GET /console` and `GET /console/{asset}`: the web console's static files, embedded in
//! the binary. No data: the page calls the API with the token the user pastes.

use super::*;

/// (name, content type, bytes). Only these names are served; anything else is 404.
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("index.html", "text/html; charset=utf-8", include_bytes!("../../../console/index.html")),
];

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
    Ok(response)
}
