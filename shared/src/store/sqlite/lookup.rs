//! [`CredentialLookup`] on SQLite: the authorizer's path.

use super::*;

#[async_trait]
impl CredentialLookup for SqliteStore {
    async fn lookup_credential_and_owner(
        &self,
        owner: PrincipalId,
        credential: CredentialId,
    ) -> StoreResult<(Option<CredentialRecord>, Option<Principal>)> {
        self.read(move |tx| {
            // One statement, the same three key lookups whatever exists (the authorizer's
            // equal work for every wrong token, as one BatchGetItem is in DynamoDB).
            // Addressed by the locator's pair, as the DynamoDB keys are: a credential whose
            // owner is not the locator's owner is not found. The owner by id alone (the
            // locator names no organization), a user or a service account.
            let (record, user, account): (Option<String>, Option<String>, Option<String>) = tx
                .query_row(
                    "SELECT (SELECT body FROM credentials WHERE id = ?1 AND owner_id = ?2), \
                            (SELECT body FROM users WHERE id = ?2), \
                            (SELECT body FROM service_accounts WHERE id = ?2)",
                    params![credential.to_string(), owner.to_string()],
                    |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
                )
                .db()?;
            let record: Option<CredentialRecord> = record.as_deref().map(from_body).transpose()?;
            let principal = match (user, account) {
                (Some(user), _) => Some(Principal::User(from_body(&user)?)),
                (None, Some(account)) => Some(Principal::ServiceAccount(from_body(&account)?)),
                (None, None) => None,
            };
            Ok((record, principal))
        })
        .await
    }

    async fn record_last_used(
        &self,
        credential: CredentialId,
        at: Timestamp,
        unless_used_since: Timestamp,
        source_ip: Option<&str>,
    ) -> StoreResult<()> {
        let source_ip = source_ip.map(str::to_string);
        self.write(move |tx| {
            let record: Option<CredentialRecord> =
                one_body(tx, "SELECT body FROM credentials WHERE id = ?1", params![credential.to_string()])?;
            // Absent: purged or deleted (never resurrected). Used recently: throttled.
            if let Some(mut record) = record.filter(|r| r.last_use_is_due(unless_used_since)) {
                record.last_used_at = Some(at);
                record.lifecycle.last_used_ip = source_ip;
                update_credential_row(tx, &record)?;
            }
            Ok(())
        })
        .await
    }
}
