//! GET /console
//! GET /console/{asset}
//!
//! The routes' whole logic lives in the shared crate; this binary only names the first of
//! them (the adapter serves every route of the named route's function). One event at a
//! time, so a current-thread runtime (docs/performance.md).

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), latchkey::lambda::Error> {
    latchkey::lambda::http::serve_route(latchkey::api::RouteId::ConsolePage).await
}
