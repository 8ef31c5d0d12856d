//! Typed Rust client for the latchkey HTTP API.
//!
//! One method per route of the API (`/api/v1`); requests and responses are the types of
//! [`latchkey_wire`], re-exported here as [`wire`]. Errors are [`Error`]: an API error keeps
//! the server's RFC 9457 problem details, so a caller can branch on `status` or `code`.
//!
//! Credentials come from [`Client::new`] or [`Client::from_env`], which reads
//! `LATCHKEY_API_URL` (default `http://127.0.0.1:8080`) and the token from
//! `LATCHKEY_CLI_TOKEN` or `~/.latchkey/credentials.json` (see [`credentials`]). A token is
//! held in an [`ApiToken`], whose `Debug` never shows it.
//!
//! ```no_run
//! # async fn example() -> Result<(), latchkey_sdk::Error> {
//! use latchkey_sdk::Client;
//!
//! let client = Client::from_env()?;
//! let me = client.me().await?;
//! println!("signed in as {} ({})", me.email, me.principal_type);
//!
//! // Create a service account; its API key is shown exactly once.
//! let created = client.service_accounts().create("ci-deployer", None).await?;
//! println!("store this key now: {}", created.api_key);
//!
//! // Later: find the key by its last six characters and revoke it.
//! let keys = client
//!     .api_keys()
//!     .list(&latchkey_sdk::ApiKeyFilters {
//!         service_account_email: Some(created.service_account.email.clone()),
//!         ..Default::default()
//!     })
//!     .await?;
//! for key in keys {
//!     client.api_keys().revoke(key.id).await?;
//! }
//! # Ok(())
//! # }
//! ```

mod audit;
pub mod credentials;
mod encoding;
mod error;
mod organization;
mod resources;
mod token;

pub use audit::{AuditEventFilter, PageRequest};
pub use credentials::Credentials;
pub use error::Error;
pub use latchkey_wire as wire;
pub use organization::OrganizationApi;
pub use resources::{ApiKeyFilters, ApiKeys, ServiceAccounts, Tokens, Users};
pub use token::ApiToken;

use latchkey_wire::{
    Health, IssuedCliToken, List, Me, Problem, RevokeCredentialsReceipt, RevokeCredentialsRequest, Verification,
    VerifyRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// The local server's address, used when nothing else names one.
pub const DEFAULT_API_URL: &str = "http://127.0.0.1:8080";
/// Environment variable naming the API's base URL.
pub const API_URL_ENV: &str = "LATCHKEY_API_URL";
/// Environment variable holding a token; it wins over the credentials file.
pub const TOKEN_ENV: &str = "LATCHKEY_CLI_TOKEN";

const BASE_PATH: &str = "/api/v1";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest page the API serves; list-all helpers ask for it to save round trips.
pub const MAX_PAGE_SIZE: u32 = 100;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A client of one latchkey API, authenticated by one token (or none, for `health`).
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    /// Base URL without a trailing slash, e.g. `http://127.0.0.1:8080`.
    base_url: String,
    token: Option<ApiToken>,
}

impl Client {
    /// A client of the API at `base_url` (e.g. `http://127.0.0.1:8080`) using `token`.
    pub fn new(base_url: impl Into<String>, token: impl Into<ApiToken>) -> Result<Self> {
        Self::build(base_url.into(), Some(token.into()))
    }

    /// A client without a token: only [`Client::health`] succeeds with it.
    pub fn anonymous(base_url: impl Into<String>) -> Result<Self> {
        Self::build(base_url.into(), None)
    }

    /// The API URL from `LATCHKEY_API_URL`, else the credentials file's `api_url`, else
    /// [`DEFAULT_API_URL`]; the token from `LATCHKEY_CLI_TOKEN`, else the credentials file
    /// (`$HOME/.latchkey/credentials.json`). [`Error::NoCredentials`] when neither has one.
    pub fn from_env() -> Result<Self> {
        let env_url = non_empty_env(API_URL_ENV);
        let (token, file_url) = match non_empty_env(TOKEN_ENV) {
            Some(token) => (ApiToken::from(token), None),
            None => {
                let path = credentials::default_path()?;
                let stored = Credentials::load(&path)?.ok_or(Error::NoCredentials)?;
                (stored.token, stored.api_url)
            }
        };
        let base_url = env_url.or(file_url).unwrap_or_else(|| DEFAULT_API_URL.to_string());
        Self::new(base_url, token)
    }

    fn build(base_url: String, token: Option<ApiToken>) -> Result<Self> {
        let trimmed = base_url.trim().trim_end_matches('/').to_string();
        // Validate once here so every later request fails only for reasons of the network.
        let parsed = reqwest::Url::parse(&trimmed)
            .map_err(|e| Error::InvalidConfig(format!("API URL {trimmed:?} is not a URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::InvalidConfig(format!("API URL {trimmed:?} must start with http:// or https://")));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("latchkey-sdk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::InvalidConfig(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self { http, base_url: trimmed, token })
    }

    /// The base URL this client talks to (without `/api/v1`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `GET /health`: needs no token.
    pub async fn health(&self) -> Result<Health> {
        self.send_json(reqwest::Method::GET, "/health", &[], None::<&()>, false).await
    }

    /// `GET /me`: the calling principal and the credential it used.
    pub async fn me(&self) -> Result<Me> {
        self.get("/me", &[]).await
    }

    /// `POST /users/me/cli-tokens/rotate`: a new CLI token for the calling user; all its
    /// older CLI tokens (including the one this client holds) stop working.
    pub async fn me_rotate_cli_token(&self) -> Result<IssuedCliToken> {
        self.post("/users/me/cli-tokens/rotate", None::<&()>).await
    }

    /// [`Client::me_rotate_cli_token`] whose older tokens keep working for
    /// `request.grace_period_seconds`.
    pub async fn me_rotate_cli_token_with(&self, request: &wire::Rotate) -> Result<IssuedCliToken> {
        self.post("/users/me/cli-tokens/rotate", Some(request)).await
    }

    /// `DELETE /users/me/cli-tokens`: revokes every CLI token of the calling user.
    pub async fn me_revoke_cli_tokens(&self) -> Result<()> {
        self.delete("/users/me/cli-tokens").await
    }

    /// `POST /verify` (OWNER; a scoped credential needs `latchkey:verify`): whether `token`
    /// is a valid credential of the caller's organization, and whose. `source_ip`: where the
    /// token was presented from.
    pub async fn verify(&self, token: &str, source_ip: Option<&str>) -> Result<Verification> {
        let request = VerifyRequest { token: token.to_string(), source_ip: source_ip.map(str::to_string) };
        self.post("/verify", Some(&request)).await
    }

    /// `POST /credentials/revoke` (public: no token is sent): reports leaked credentials
    /// (1–1000 strings, each at most 256 characters), which the API revokes. The answer
    /// counts what it received, whatever matched.
    pub async fn report_leaked_credentials(&self, credentials: &[String]) -> Result<RevokeCredentialsReceipt> {
        let request = RevokeCredentialsRequest { credentials: credentials.to_vec() };
        self.send_json(reqwest::Method::POST, "/credentials/revoke", &[], Some(&request), false).await
    }

    /// Users of the caller's organization.
    pub fn users(&self) -> Users<'_> {
        Users { client: self }
    }

    /// Service accounts and their API keys (OWNER only).
    pub fn service_accounts(&self) -> ServiceAccounts<'_> {
        ServiceAccounts { client: self }
    }

    /// API keys across the organization (OWNER only).
    pub fn api_keys(&self) -> ApiKeys<'_> {
        ApiKeys { client: self }
    }

    /// Access tokens (expiring user credentials).
    pub fn tokens(&self) -> Tokens<'_> {
        Tokens { client: self }
    }

    /// The caller's organization and its policy.
    pub fn organization(&self) -> OrganizationApi<'_> {
        OrganizationApi { client: self }
    }

    // ---- transport -----------------------------------------------------------------------

    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str, query: &[(&str, String)]) -> Result<T> {
        self.send_json(reqwest::Method::GET, path, query, None::<&()>, true).await
    }

    pub(crate) async fn post<T: DeserializeOwned>(&self, path: &str, body: Option<&impl Serialize>) -> Result<T> {
        self.send_json(reqwest::Method::POST, path, &[], body, true).await
    }

    pub(crate) async fn patch<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<T> {
        self.send_json(reqwest::Method::PATCH, path, &[], Some(body), true).await
    }

    pub(crate) async fn delete(&self, path: &str) -> Result<()> {
        self.send(reqwest::Method::DELETE, path, &[], None::<&()>, true).await.map(drop)
    }

    /// Follows `next_cursor` from the first page until `limit` items (all when `None`).
    pub(crate) async fn collect<T: DeserializeOwned>(
        &self,
        path: &str,
        filters: &[(&str, String)],
        limit: Option<usize>,
    ) -> Result<Vec<T>> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let wanted = limit.map_or(MAX_PAGE_SIZE as usize, |l| l.saturating_sub(items.len()));
            if wanted == 0 {
                return Ok(items);
            }
            let page: List<T> =
                self.page(path, filters, Some(wanted.min(MAX_PAGE_SIZE as usize) as u32), cursor.as_deref()).await?;
            items.extend(page.items);
            match page.next_cursor {
                Some(next) if !next.is_empty() => cursor = Some(next),
                _ => return Ok(items),
            }
        }
    }

    /// One page of a list route.
    pub(crate) async fn page<T: DeserializeOwned>(
        &self,
        path: &str,
        filters: &[(&str, String)],
        max_items: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<List<T>> {
        let mut query: Vec<(&str, String)> = filters.to_vec();
        if let Some(max_items) = max_items {
            query.push(("max_items", max_items.to_string()));
        }
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor.to_string()));
        }
        self.get(path, &query).await
    }

    async fn send_json<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&impl Serialize>,
        authenticated: bool,
    ) -> Result<T> {
        let bytes = self.send(method, path, query, body, authenticated).await?;
        serde_json::from_slice(&bytes).map_err(|e| Error::InvalidResponse(format!("unexpected JSON from {path}: {e}")))
    }

    /// Sends one request and returns the body of a 2xx response; anything else becomes an
    /// [`Error`]. The token goes only into the `Authorization` header.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&impl Serialize>,
        authenticated: bool,
    ) -> Result<Vec<u8>> {
        let mut url = format!("{}{BASE_PATH}{path}", self.base_url);
        if !query.is_empty() {
            url.push('?');
            url.push_str(&encoding::query_string(query));
        }
        let mut request = self.http.request(method, &url).header(reqwest::header::ACCEPT, "application/json");
        if authenticated {
            let token = self.token.as_ref().ok_or(Error::NoCredentials)?;
            request = request.bearer_auth(token.expose());
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| Error::unreachable(&self.base_url, &e))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| Error::unreachable(&self.base_url, &e))?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        Err(Error::Api { status: status.as_u16(), problem: Box::new(problem_from(status, &bytes)) })
    }
}

/// The server answers errors with problem+json; a proxy or gateway in between may not, so a
/// body that is not a problem becomes one built from the status alone.
fn problem_from(status: reqwest::StatusCode, body: &[u8]) -> Problem {
    if let Ok(problem) = serde_json::from_slice::<Problem>(body) {
        return problem;
    }
    let code = match status.as_u16() {
        400 => "validation_failed",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        409 => "conflict",
        413 => "payload_too_large",
        429 => "rate_limited",
        503 => "unavailable",
        _ => "internal",
    };
    let title = status.canonical_reason().unwrap_or("Error").to_string();
    Problem {
        type_: "about:blank".to_string(),
        title,
        status: status.as_u16(),
        detail: format!("HTTP {} without problem details", status.as_u16()),
        code: code.to_string(),
        required_scope: None,
    }
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let client = Client::new("http://127.0.0.1:1/", "lku_supersecret").expect("client");
        let shown = format!("{client:?}");
        assert!(!shown.contains("supersecret"), "{shown}");
        assert_eq!(client.base_url(), "http://127.0.0.1:1");
    }

    #[test]
    fn rejects_a_base_url_that_is_not_http() {
        assert!(matches!(Client::new("ftp://x", "t"), Err(Error::InvalidConfig(_))));
        assert!(matches!(Client::new("not a url", "t"), Err(Error::InvalidConfig(_))));
    }

    #[test]
    fn non_problem_bodies_become_problems() {
        let p = problem_from(reqwest::StatusCode::BAD_GATEWAY, b"<html>");
        assert_eq!(p.status, 502);
        assert_eq!(p.code, "internal");
    }
}
