//! [`CredentialStore`] on SQLite: the `credentials` table, checked against the owner's row in
//! the same write transaction.

use super::*;

#[async_trait]
impl CredentialStore for SqliteStore {
    async fn issue_credential(&self, credential: &CredentialRecord, audit: &AuditContext) -> StoreResult<()> {
        let event = audit.credential_created(credential);
        let credential = credential.clone();
        self.write(move |tx| {
            let owner = load_owner_for(tx, credential.organization_id, credential.owner_id, credential.kind)?
                .ok_or(StoreError::NotFound)?;
            if !owner.is_current_epoch(credential.kind, credential.epoch) {
                return Err(StoreError::Contention);
            }
            insert_credential(tx, &credential)?;
            audit::insert_events(tx, &[event])
        })
        .await
    }

    async fn rotate_credentials(
        &self,
        credential: &CredentialRecord,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let revocation = revocation.because(RevokedReason::Rotated);
        let grace_until = revocation.grace_until();
        let event = audit.credentials_rotated(credential, grace_until);
        let credential = credential.clone();
        let (org, owner_id, kind, new_epoch) =
            (credential.organization_id, credential.owner_id, credential.kind, credential.epoch);
        let task = SweepTask::after_epoch_bump(org, owner_id, kind, new_epoch, revocation);
        let swept = task.clone();
        self.write(move |tx| {
            let owner = load_owner_for(tx, org, owner_id, kind)?.ok_or(StoreError::NotFound)?;
            let expected = new_epoch.checked_sub(1).ok_or(StoreError::Contention)?;
            let epoch = kind.epoch().ok_or_else(|| {
                StoreError::internal(format!("{} credentials have no epoch to rotate", kind.as_str()))
            })?;
            if owner.epoch_value(epoch) != Some(expected) {
                return Err(StoreError::Contention);
            }
            // The owner holds `kind` (`load_owner_for`), so its record has `epoch`.
            match owner.rotated(epoch, new_epoch, grace_until) {
                Principal::User(user) => update_user_row(tx, &user)?,
                Principal::ServiceAccount(account) => update_service_account_row(tx, &account)?,
            }
            insert_credential(tx, &credential)?;
            audit::insert_events(tx, &[event])?;
            sweep::record(tx, &task)
        })
        .await?;
        // A graced rotation's sweep waits for the grace's end (housekeeping runs it).
        if grace_until.is_none() {
            self.sweep(swept).await;
        }
        Ok(())
    }

    async fn revoke_all_credentials(
        &self,
        org: OrganizationId,
        owner: PrincipalId,
        kind: CredentialKind,
        revocation: Revocation,
        keep_an_owner: bool,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let revocation = revocation.because(RevokedReason::RevokedAll);
        let audit = audit.clone();
        let task = self
            .write(move |tx| {
                let principal = load_owner_for(tx, org, owner, kind)?.ok_or(StoreError::NotFound)?;
                audit::insert_events(tx, &[audit.credentials_revoked_all(&principal, kind)])?;
                let new_epoch = match (kind.epoch(), principal) {
                    // Access tokens have no epoch: revoking them all marks each one, here,
                    // inside the transaction, because that marking is the revocation.
                    (None, _) => {
                        let task = SweepTask::all_credentials_of(org, owner, &[kind], revocation);
                        sweep::mark_covered(tx, &task)?;
                        return Ok(None);
                    }
                    // The owner holds `kind` (`load_owner_for`): a user's epoch is its CLI
                    // tokens', a service account's its API keys'.
                    (Some(_), Principal::User(user)) => {
                        let after = user.with_cli_tokens_revoked();
                        if keep_an_owner {
                            owners::keep_a_live_owner(tx, &user, Some(&after))?;
                        }
                        update_user_row(tx, &after)?;
                        after.cli_token_epoch
                    }
                    (Some(_), Principal::ServiceAccount(mut account)) => {
                        account.api_key_epoch += 1;
                        account.api_key_grace_until = None;
                        update_service_account_row(tx, &account)?;
                        account.api_key_epoch
                    }
                };
                let task = SweepTask::after_epoch_bump(org, owner, kind, new_epoch, revocation);
                sweep::record(tx, &task)?;
                Ok(Some(task))
            })
            .await?;
        if let Some(task) = task {
            self.sweep(task).await;
        }
        Ok(())
    }

    async fn revoke_credential(
        &self,
        org: OrganizationId,
        id: CredentialId,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<CredentialRecord> {
        let revocation = revocation.because(RevokedReason::Revoked);
        let audit = audit.clone();
        self.write(move |tx| {
            let mut record = load_credential(tx, org, id)?.ok_or(StoreError::NotFound)?;
            if let Some(event) = audit.credential_revoked(&record) {
                audit::insert_events(tx, &[event])?;
                revocation.apply(&mut record);
                update_credential_row(tx, &record)?;
            }
            Ok(record)
        })
        .await
    }

    async fn roll_credential(
        &self,
        old: &CredentialRecord,
        successor: &CredentialRecord,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let event = audit.credentials_rotated(successor, revocation.grace_until());
        let (old, successor) = (old.clone(), successor.clone());
        self.write(move |tx| {
            let stored = load_credential(tx, old.organization_id, old.id)?.ok_or(StoreError::NotFound)?;
            if stored != old || stored.revoked_at.is_some() || stored.superseded_until.is_some() {
                return Err(StoreError::Contention);
            }
            let owner = load_owner_for(tx, successor.organization_id, successor.owner_id, successor.kind)?
                .ok_or(StoreError::NotFound)?;
            if !owner.is_current_epoch(successor.kind, successor.epoch) {
                return Err(StoreError::Contention);
            }
            update_credential_row(tx, &stored.superseded(&revocation))?;
            insert_credential(tx, &successor)?;
            audit::insert_events(tx, &[event])
        })
        .await
    }

    async fn get_credential(&self, org: OrganizationId, id: CredentialId) -> StoreResult<Option<CredentialRecord>> {
        self.read(move |tx| load_credential(tx, org, id)).await
    }

    async fn revoke_leaked(
        &self,
        owner: PrincipalId,
        credential: CredentialId,
        presented: &crate::domain::SecretHash,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<Option<OrganizationId>> {
        let revocation = revocation.because(RevokedReason::Leaked);
        let (presented, audit) = (presented.clone(), audit.clone());
        self.write(move |tx| leaks::revoke_leaked(tx, owner, credential, &presented, revocation, &audit)).await
    }

    async fn set_credential_description(
        &self,
        org: OrganizationId,
        id: CredentialId,
        description: Option<&Description>,
        audit: &AuditContext,
    ) -> StoreResult<CredentialRecord> {
        let (description, audit) = (description.cloned(), audit.clone());
        self.write(move |tx| {
            let before = load_credential(tx, org, id)?.ok_or(StoreError::NotFound)?;
            let mut after = before.clone();
            after.description = description;
            if let Some(event) = audit.credential_updated(&before, &after) {
                update_credential_row(tx, &after)?;
                audit::insert_events(tx, &[event])?;
            }
            Ok(after)
        })
        .await
    }

    async fn set_credential_disabled(
        &self,
        before: &CredentialRecord,
        after: &CredentialRecord,
        audit: &AuditContext,
    ) -> StoreResult<CredentialRecord> {
        let (before, after, audit) = (before.clone(), after.clone(), audit.clone());
        self.write(move |tx| {
            let stored = load_credential(tx, before.organization_id, before.id)?.ok_or(StoreError::NotFound)?;
            let as_read = stored.lifecycle.disabled_at == before.lifecycle.disabled_at
                && stored.lifecycle.disabled_by == before.lifecycle.disabled_by;
            if stored.revoked_at.is_some() || !as_read {
                return Err(StoreError::Contention);
            }
            let mut written = stored.clone();
            written.lifecycle.disabled_at = after.lifecycle.disabled_at;
            written.lifecycle.disabled_by = after.lifecycle.disabled_by;
            if let Some(event) = audit.credential_updated(&stored, &written) {
                update_credential_row(tx, &written)?;
                audit::insert_events(tx, &[event])?;
            }
            Ok(written)
        })
        .await
    }

    async fn list_credentials(
        &self,
        org: OrganizationId,
        filter: &CredentialFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<CredentialRecord>> {
        let after =
            page.after.as_ref().map(|p| position::parse_credential_for(p, filter).map(|_| p.clone())).transpose()?;
        let (limit, max_items) = (fetch_limit(page), page.max_items);
        let filter = filter.clone();
        self.read(move |tx| {
            let records = bodies(
                tx,
                "SELECT body FROM credentials
                 WHERE organization_id = ?1 AND kind = ?2
                   AND (?3 IS NULL OR owner_id = ?3)
                   AND (?4 IS NULL OR last_six = ?4)
                   AND (?5 OR (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?6)))
                   AND (?7 IS NULL OR sort_key < ?7)
                 ORDER BY sort_key DESC LIMIT ?8",
                params![
                    org.to_string(),
                    filter.kind.as_str(),
                    filter.owner.map(|o| o.to_string()),
                    filter.last_six,
                    filter.include_inactive,
                    sortable(&filter.now),
                    after,
                    limit,
                ],
            )?;
            Ok(page_of(records, max_items, position::of_credential))
        })
        .await
    }

    async fn get_principals(&self, org: OrganizationId, ids: &[PrincipalId]) -> StoreResult<Vec<Principal>> {
        let ids = ids.to_vec();
        self.read(move |tx| {
            let mut found = Vec::with_capacity(ids.len());
            for id in ids {
                if let Some(user) = load_user(tx, org, id)? {
                    found.push(Principal::User(user));
                } else if let Some(account) = load_service_account(tx, org, id)? {
                    found.push(Principal::ServiceAccount(account));
                }
            }
            Ok(found)
        })
        .await
    }
}
