//! The API Gateway REQUEST authorizer in front of every protected route.

#[tokio::main]
async fn main() -> Result<(), latchkey::lambda::Error> {
    latchkey::lambda::authorizer::serve_authorizer().await
}
