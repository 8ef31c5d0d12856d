//! GET /api/v1/me
//!
//! The route's whole logic lives in the shared crate; this binary only names it.

#[tokio::main]
async fn main() -> Result<(), latchkey::lambda::Error> {
    latchkey::lambda::http::serve_function("me").await
}
