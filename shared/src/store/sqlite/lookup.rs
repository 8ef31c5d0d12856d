//! [`CredentialLookup`] on SQLite: the authorizer's path.

use super::*;

#[async_trait]
impl CredentialLookup for SqliteStore {
    /// One read transaction (one snapshot): the pair as
    /// [`CredentialLookup::lookup_credential_and_owner`] reads it, and the policy from the
    /// organization's row (the token's organization, or the owner's for a v1 token). A local
    /// file has no hot item to spread, so no copies.
    async fn read_for_authorization(
        &self,
        organization: Option<OrganizationId>,
        owner: PrincipalId,
        credential: CredentialId,
    ) -> StoreResult<AuthorizationRead> {
        self.read(move |tx| {
            let (credential, owner) = pair(tx, owner, credential)?;
            let policy = match organization.or(owner.as_ref().map(Principal::organization_id)) {
                Some(org) => Self::load_organization(tx, org)?.map(|o| (o.id, o.policy)),
                None => None,
            };
            Ok(AuthorizationRead { credential, owner, policy })
        })
        .await
    }

    async fn lookup_credential_and_owner(
        &self,
        owner: PrincipalId,
        credential: CredentialId,
    ) -> StoreResult<(Option<CredentialRecord>, Option<Principal>)> {
        self.read(move |tx| pair(tx, owner, credential)).await
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

/// The credential and its owner, addressed by the locator's pair.
fn pair(
    tx: &Transaction<'_>,
    owner: PrincipalId,
    credential: CredentialId,
) -> StoreResult<(Option<CredentialRecord>, Option<Principal>)> {
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
}
