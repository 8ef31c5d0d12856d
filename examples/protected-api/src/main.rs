//! `GET /orders` of the example protected API: the logic is in the library.

use lambda_http::{Error, Request, service_fn};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(|request: Request| async move {
        Ok::<_, Error>(latchkey_example_protected_api::handle(&request))
    }))
    .await
}
