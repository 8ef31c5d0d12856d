//! The events function (no API route): the table's stream → audit events on the EventBridge
//! bus EVENT_BUS_NAME, with partial batch responses.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), latchkey::lambda::Error> {
    latchkey::lambda::events::serve_events().await
}
