//! The recover operator action (no API route): `{"organization", "owner_email"}` → an
//! owner's CLI token, shown once.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), latchkey::lambda::Error> {
    latchkey::lambda::operator::serve_operator(latchkey::lambda::operator::OperatorAction::Recover).await
}
