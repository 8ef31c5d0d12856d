//! The floor: the smallest `lambda_runtime` function, built in the same workspace with the
//! same profile and the same Tokio runtime flavour as the latchkey functions. It parses the
//! event as untyped JSON and answers a constant, so anything a latchkey function costs above
//! this is latchkey's own.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        let _ = event;
        Ok::<_, Error>(json!({ "principalId": "floor" }))
    }))
    .await
}
