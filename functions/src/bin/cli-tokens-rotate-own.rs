//! POST /api/v1/users/me/cli-tokens/rotate
//!
//! The route's whole logic lives in the shared crate; this binary only names it.

#[tokio::main]
async fn main() -> Result<(), latchkey::lambda::Error> {
    latchkey::lambda::http::serve_function("cli-tokens-rotate-own").await
}
