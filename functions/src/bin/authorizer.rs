//! The API Gateway REQUEST authorizer in front of every protected route.
//!
//! A current-thread Tokio runtime: Lambda sends one event at a time, so worker threads add
//! only start-up time and memory (docs/performance.md has the numbers).

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), latchkey::lambda::Error> {
    latchkey::lambda::authorizer::serve_authorizer().await
}
