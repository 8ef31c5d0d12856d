//! PATCH /api/v1/service-accounts/{ref}
//!
//! The route's whole logic lives in the shared crate; this binary only names it. One
//! event at a time, so a current-thread runtime (docs/performance.md).

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), latchkey::lambda::Error> {
    latchkey::lambda::http::serve_route(latchkey::api::RouteId::UpdateServiceAccount).await
}
