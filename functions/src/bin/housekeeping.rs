//! The scheduled housekeeping function (no API route): finishes the sweeps that failures
//! left pending.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), latchkey::lambda::Error> {
    latchkey::lambda::housekeeping::serve_housekeeping().await
}
