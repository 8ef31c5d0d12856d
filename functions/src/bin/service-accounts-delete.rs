//! DELETE /api/v1/service-accounts/{ref}
//!
//! The route's whole logic lives in the shared crate; this binary only names it.

#[tokio::main]
async fn main() -> Result<(), latchkey::lambda::Error> {
    latchkey::lambda::http::serve_function("service-accounts-delete").await
}
