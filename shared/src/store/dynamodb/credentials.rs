//! [`CredentialStore`] on the table: credential items, conditioned on their owner's item.

use super::*;
use std::collections::HashSet;

impl DynamoDbStore {
    /// Why an owner condition failed: the owner is gone, foreign or cannot hold this kind
    /// (`NotFound`), or its epoch moved (`Contention`).
    pub(super) async fn owner_failure(&self, credential: &CredentialRecord) -> StoreError {
        match self.get_principal_in(credential.organization_id, credential.owner_id).await {
            Ok(Some(owner)) if owner.epoch_for(credential.kind).is_some() => StoreError::Contention,
            Ok(_) => StoreError::NotFound,
            Err(e) => e,
        }
    }

    /// Revokes all access tokens of a user one by one: they have no epoch, so here the
    /// marking is the revocation itself, done within the request.
    pub(super) async fn revoke_all_access_tokens(
        &self,
        org: OrganizationId,
        owner: PrincipalId,
        revocation: &Revocation,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        match self.get_principal_in(org, owner).await? {
            Some(principal) if principal.may_hold(CredentialKind::AccessToken) => {
                // The event goes first, with a check that the owner still exists: the marking
                // that follows is the revocation, one item at a time (no transaction holds an
                // unbounded number of tokens), and it finishes what the event records.
                let mut steps =
                    vec![(self.tx_check(principal_key(owner), in_organization(org))?, OnConditionFailed::NotFound)];
                steps.extend(self.tx_audit(&[audit.credentials_revoked_all(&principal, CredentialKind::AccessToken)])?);
                self.transact(steps).await?.map_err(step_error)?;
                let task = SweepTask::all_credentials_of(org, owner, &[CredentialKind::AccessToken], *revocation);
                self.mark_covered(&task).await.map(|_| ())
            }
            _ => Err(StoreError::NotFound),
        }
    }
}

#[async_trait]
impl CredentialStore for DynamoDbStore {
    async fn issue_credential(&self, credential: &CredentialRecord, audit: &AuditContext) -> StoreResult<()> {
        let mut owner_condition = in_organization(credential.organization_id).and(may_hold(credential.kind));
        if let Some(epoch) = credential.kind.epoch() {
            owner_condition = owner_condition
                .and(Expr::new("#epoch = :epoch").name("#epoch", epoch.field()).value(":epoch", n(credential.epoch)));
        }
        let mut steps = vec![
            (self.tx_check(principal_key(credential.owner_id), owner_condition)?, OnConditionFailed::OwnerCheck),
            (self.tx_create(credential_item(credential)?)?, OnConditionFailed::DuplicateId),
        ];
        steps.extend(self.tx_audit(&[audit.credential_created(credential)])?);
        match self.transact(steps).await? {
            Ok(()) => Ok(()),
            Err(OnConditionFailed::OwnerCheck) => Err(self.owner_failure(credential).await),
            Err(other) => Err(step_error(other)),
        }
    }

    async fn rotate_credentials(
        &self,
        credential: &CredentialRecord,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let revocation = revocation.because(RevokedReason::Rotated);
        let epoch = match credential.kind.epoch() {
            Some(Epoch::CliToken) => {
                let task = SweepTask::after_epoch_bump(
                    credential.organization_id,
                    credential.owner_id,
                    credential.kind,
                    credential.epoch,
                    revocation,
                );
                self.rotate_cli_tokens(credential, &task, revocation.grace_until(), audit).await?;
                // A graced rotation's sweep waits for the grace's end (housekeeping runs it).
                if revocation.grace_until().is_none() {
                    self.sweep(&task).await;
                }
                return Ok(());
            }
            Some(epoch) => epoch,
            None => return Err(StoreError::internal("access tokens have no epoch to rotate")),
        };
        let previous = credential
            .epoch
            .checked_sub(1)
            .ok_or_else(|| StoreError::internal("a rotated credential's epoch must follow an existing one"))?;
        let grace_until = revocation.grace_until();
        let owner_step = self.tx_update(
            principal_key(credential.owner_id),
            grace_update(
                Expr::new("SET #epoch = :epoch").name("#epoch", epoch.field()).value(":epoch", n(credential.epoch)),
                epoch,
                grace_until,
            )?,
            in_organization(credential.organization_id)
                .and(may_hold(credential.kind))
                .and(Expr::new("#epoch = :previous").name("#epoch", epoch.field()).value(":previous", n(previous))),
        )?;
        let task = SweepTask::after_epoch_bump(
            credential.organization_id,
            credential.owner_id,
            credential.kind,
            credential.epoch,
            revocation,
        );
        let mut steps = vec![
            (owner_step, OnConditionFailed::OwnerCheck),
            (self.tx_create(credential_item(credential)?)?, OnConditionFailed::DuplicateId),
            self.tx_record_sweep(&task)?,
        ];
        steps.extend(self.tx_audit(&[audit.credentials_rotated(credential, grace_until)])?);
        match self.transact(steps).await? {
            Ok(()) => {}
            Err(OnConditionFailed::OwnerCheck) => return Err(self.owner_failure(credential).await),
            Err(other) => return Err(step_error(other)),
        }
        if grace_until.is_none() {
            self.sweep(&task).await;
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
        let epoch = match kind.epoch() {
            None => return self.revoke_all_access_tokens(org, owner, &revocation, audit).await,
            Some(Epoch::CliToken) => {
                return self.revoke_all_cli_tokens(org, owner, revocation, keep_an_owner, audit).await;
            }
            Some(epoch) => epoch,
        };
        // API keys: a service account counts in no last-owner guard.
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let principal = self.get_principal_in(org, owner).await?.ok_or(StoreError::NotFound)?;
            let current = principal.epoch_for(kind).ok_or(StoreError::NotFound)?;
            let next = current + 1;
            // Conditioned on the epoch read, so we know which one we set.
            let condition = in_organization(org)
                .and(Expr::new("#epoch = :current").name("#epoch", epoch.field()).value(":current", n(current)));
            let owner_step = self.tx_update(
                principal_key(owner),
                grace_update(
                    Expr::new("SET #epoch = :next").name("#epoch", epoch.field()).value(":next", n(next)),
                    epoch,
                    None,
                )?,
                condition,
            )?;
            let task = SweepTask::after_epoch_bump(org, owner, kind, next, revocation);
            let mut steps = vec![(owner_step, OnConditionFailed::Reread), self.tx_record_sweep(&task)?];
            steps.extend(self.tx_audit(&[audit.credentials_revoked_all(&principal, kind)])?);
            match self.transact(steps).await? {
                Ok(()) => {
                    self.sweep(&task).await;
                    return Ok(());
                }
                Err(OnConditionFailed::Reread) => continue,
                Err(other) => return Err(step_error(other)),
            }
        }
        Err(StoreError::Contention)
    }

    async fn roll_credential(
        &self,
        old: &CredentialRecord,
        successor: &CredentialRecord,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        self.roll(old, successor, revocation, audit).await
    }

    async fn revoke_credential(
        &self,
        org: OrganizationId,
        id: CredentialId,
        revocation: Revocation,
        audit: &AuditContext,
    ) -> StoreResult<CredentialRecord> {
        let revocation = revocation.because(RevokedReason::Revoked);
        // Read first: the event names the credential (`…last_six`), and revoking a revoked
        // one changes nothing (no write, no event). Then the revocation and its event in one
        // transaction, conditioned on the credential still not revoked.
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let before = self.get_credential(org, id).await?.ok_or(StoreError::NotFound)?;
            let Some(event) = audit.credential_revoked(&before) else { return Ok(before) };
            let not_revoked = Expr::new("attribute_not_exists(#revoked)").name("#revoked", "revoked_at");
            let mut steps = vec![(
                self.tx_update(
                    credential_key(id),
                    revocation_update(&revocation)?,
                    in_organization(org).and(not_revoked),
                )?,
                OnConditionFailed::Reread,
            )];
            steps.extend(self.tx_audit(&[event])?);
            match self.transact(steps).await? {
                Ok(()) => {
                    let mut after = before;
                    revocation.apply(&mut after);
                    return Ok(after);
                }
                Err(OnConditionFailed::Reread) => continue,
                Err(other) => return Err(step_error(other)),
            }
        }
        Err(StoreError::Contention)
    }

    async fn get_credential(&self, org: OrganizationId, id: CredentialId) -> StoreResult<Option<CredentialRecord>> {
        Ok(self
            .get_item(credential_key(id))
            .await?
            .map(decode_credential)
            .transpose()?
            .filter(|c| c.organization_id == org))
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
        self.revoke_leaked_credential(owner, credential, presented, revocation, audit).await
    }

    async fn set_credential_description(
        &self,
        org: OrganizationId,
        id: CredentialId,
        description: Option<&Description>,
        audit: &AuditContext,
    ) -> StoreResult<CredentialRecord> {
        // Read first: the event's `before`, and no write (no event) when nothing changes.
        // The write is conditioned on the description as read.
        for _ in 0..OPTIMISTIC_ATTEMPTS {
            let before = self.get_credential(org, id).await?.ok_or(StoreError::NotFound)?;
            let mut after = before.clone();
            after.description = description.cloned();
            let Some(event) = audit.credential_updated(&before, &after) else { return Ok(before) };
            let update = match description {
                Some(d) => Expr::new("SET #description = :description")
                    .name("#description", "description")
                    .value(":description", attribute(d)?),
                None => Expr::new("REMOVE #description").name("#description", "description"),
            };
            let as_read = match &before.description {
                Some(d) => {
                    Expr::new("#description = :was").name("#description", "description").value(":was", attribute(d)?)
                }
                None => Expr::new("attribute_not_exists(#description)").name("#description", "description"),
            };
            let mut steps = vec![(
                self.tx_update(credential_key(id), update, in_organization(org).and(as_read))?,
                OnConditionFailed::Reread,
            )];
            steps.extend(self.tx_audit(&[event])?);
            match self.transact(steps).await? {
                Ok(()) => return Ok(after),
                Err(OnConditionFailed::Reread) => continue,
                Err(other) => return Err(step_error(other)),
            }
        }
        Err(StoreError::Contention)
    }

    async fn set_credential_disabled(
        &self,
        before: &CredentialRecord,
        after: &CredentialRecord,
        audit: &AuditContext,
    ) -> StoreResult<CredentialRecord> {
        let mut written = before.clone();
        written.lifecycle.disabled_at = after.lifecycle.disabled_at;
        written.lifecycle.disabled_by = after.lifecycle.disabled_by;
        let Some(event) = audit.credential_updated(before, &written) else { return Ok(written) };
        let update = match (&written.lifecycle.disabled_at, &written.lifecycle.disabled_by) {
            (Some(at), Some(by)) => Expr::new("SET #disabled_at = :at, #disabled_by = :by")
                .name("#disabled_at", "disabled_at")
                .name("#disabled_by", "disabled_by")
                .value(":at", timestamp_attribute(at)?)
                .value(":by", attribute(by)?),
            _ => Expr::new("REMOVE #disabled_at, #disabled_by")
                .name("#disabled_at", "disabled_at")
                .name("#disabled_by", "disabled_by"),
        };
        // As read: the same disable (its time names it), and not revoked since.
        let as_read = match &before.lifecycle.disabled_at {
            Some(at) => Expr::new("#disabled_at = :was")
                .name("#disabled_at", "disabled_at")
                .value(":was", timestamp_attribute(at)?),
            None => Expr::new("attribute_not_exists(#disabled_at)").name("#disabled_at", "disabled_at"),
        };
        let not_revoked = Expr::new("attribute_not_exists(#revoked)").name("#revoked", "revoked_at");
        let condition = in_organization(before.organization_id).and(as_read).and(not_revoked);
        let mut steps =
            vec![(self.tx_update(credential_key(before.id), update, condition)?, OnConditionFailed::Reread)];
        steps.extend(self.tx_audit(&[event])?);
        match self.transact(steps).await? {
            Ok(()) => Ok(written),
            Err(OnConditionFailed::Reread) => match self.get_credential(before.organization_id, before.id).await? {
                None => Err(StoreError::NotFound),
                Some(_) => Err(StoreError::Contention),
            },
            Err(other) => Err(step_error(other)),
        }
    }

    async fn list_credentials(
        &self,
        org: OrganizationId,
        filter: &CredentialFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<CredentialRecord>> {
        let partition = credentials_index_pk(org, filter.kind);
        let start_after = match &page.after {
            None => None,
            Some(after) => {
                let (_, id) = position::parse_credential_for(after, filter)?;
                Some(index_start_key(credential_key(id), &partition, after))
            }
        };
        let mut conditions = Expr::default();
        if let Some(last_six) = &filter.last_six {
            conditions = conditions.and(
                Expr::new("#last_six = :last_six")
                    .name("#last_six", "last_six")
                    .value(":last_six", s(last_six.clone())),
            );
        }
        if !filter.include_inactive {
            conditions = conditions.and(
                Expr::new("attribute_not_exists(#revoked) AND (attribute_not_exists(#expires) OR #expires > :now)")
                    .name("#revoked", "revoked_at")
                    .name("#expires", EXPIRES_AT_US)
                    .value(":now", n(epoch_micros(&filter.now))),
            );
        }
        let query = IndexQuery {
            partition,
            sort_prefix: filter.owner.map(credentials_of_owner_prefix),
            filter: (!conditions.text.is_empty()).then_some(conditions),
            newest_first: true,
            start_after,
        };
        let (items, next) = self.query_index_page(&query, page.max_items).await?;
        let items = items
            .into_iter()
            .map(decode_credential)
            .collect::<StoreResult<Vec<_>>>()?
            .into_iter()
            .filter(|c| c.organization_id == org)
            .collect();
        Ok(Page { items, next })
    }

    async fn get_principals(&self, org: OrganizationId, ids: &[PrincipalId]) -> StoreResult<Vec<Principal>> {
        let mut seen = HashSet::new();
        let keys: Vec<Item> = ids.iter().filter(|id| seen.insert(**id)).map(|id| principal_key(*id)).collect();
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let principals =
            self.batch_get(keys).await?.into_iter().map(decode_principal).collect::<StoreResult<Vec<_>>>()?;
        Ok(principals.into_iter().filter(|p| p.organization_id() == org).collect())
    }
}

/// `set` (a `SET ...` of the holder's epoch) with the previous generation's grace end for
/// `epoch` set to `grace_until`, or removed (`None`: no credential of it works any more).
pub(super) fn grace_update(set: Expr, epoch: Epoch, grace_until: Option<Timestamp>) -> StoreResult<Expr> {
    Ok(match grace_until {
        Some(until) => {
            let mut set = set;
            set.text.push_str(", #grace = :grace");
            set.name("#grace", epoch.grace_field()).value(":grace", attribute(&until)?)
        }
        None => {
            let mut set = set;
            set.text.push_str(" REMOVE #grace");
            set.name("#grace", epoch.grace_field())
        }
    })
}
