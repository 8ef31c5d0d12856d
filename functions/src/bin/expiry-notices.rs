//! The scheduled expiry-notice function (daily, no API route): one `credential.expiring`
//! audit event per credential that expires within EXPIRY_NOTICE_DAYS.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), latchkey::lambda::Error> {
    latchkey::lambda::housekeeping::serve_scheduled(latchkey::lambda::housekeeping::ScheduledJob::ExpiryNotices).await
}
