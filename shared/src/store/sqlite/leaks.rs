//! `CredentialStore::revoke_leaked` on SQLite: one write transaction (SPEC section 12). The
//! rules are the domain's (`LeakMatch`, `LeakRevocation`); the organization's live owners are
//! counted from the user rows, so the user's liveness is all that changes besides the
//! credential and its event.

use super::{DbResultExt, audit, from_body, load_owner_for, update_credential_row, update_user_row};
use crate::domain::{
    AuditContext, CredentialId, CredentialRecord, LeakMatch, OrganizationId, PrincipalId, Revocation, SecretHash,
};
use crate::store::StoreResult;
use rusqlite::{OptionalExtension, Transaction, params};

pub(super) fn revoke_leaked(
    tx: &Transaction<'_>,
    owner: PrincipalId,
    id: CredentialId,
    presented: &SecretHash,
    revocation: Revocation,
    audit: &AuditContext,
) -> StoreResult<Option<OrganizationId>> {
    // By id alone: a report names no organization.
    let body: Option<String> = tx
        .query_row("SELECT body FROM credentials WHERE id = ?1", params![id.to_string()], |row| row.get(0))
        .optional()
        .db()?;
    let Some(credential) = body.as_deref().map(from_body::<CredentialRecord>).transpose()? else {
        return Ok(None);
    };
    let Some(found) = LeakMatch::of(&credential, owner, id, presented) else { return Ok(None) };
    let holder = load_owner_for(tx, credential.organization_id, credential.owner_id, credential.kind)?;
    let Some(writes) = found.revocation(holder.as_ref(), revocation, revocation.at, audit) else { return Ok(None) };
    update_credential_row(tx, &writes.credential)?;
    if let Some(after) = &writes.user_after {
        update_user_row(tx, after)?;
    }
    audit::insert_events(tx, std::slice::from_ref(&writes.event))?;
    Ok(Some(credential.organization_id))
}
