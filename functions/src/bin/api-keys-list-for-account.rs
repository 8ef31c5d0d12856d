//! GET /api/v1/service-accounts/{ref}/api-keys
//!
//! The route's whole logic lives in the shared crate; this binary only names it.

#[tokio::main]
async fn main() -> Result<(), latchkey::lambda::Error> {
    latchkey::lambda::http::serve_function("api-keys-list-for-account").await
}
