//! Row access, all within a transaction: each record is its JSON `body` beside the columns
//! that queries filter, sort or enforce uniqueness on (`schema.rs`).

use super::*;
use rusqlite::types::ToSql;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub(super) fn to_body<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::internal_from("cannot serialize a record", e))
}

pub(super) fn from_body<T: DeserializeOwned>(body: &str) -> StoreResult<T> {
    serde_json::from_str(body).map_err(|e| StoreError::internal_from("corrupt row", e))
}

/// The `body` column of the rows `sql` selects (it must select `body` alone).
pub(super) fn bodies<T: DeserializeOwned>(
    tx: &Transaction<'_>,
    sql: &str,
    params: &[&dyn ToSql],
) -> StoreResult<Vec<T>> {
    let mut stmt = tx.prepare_cached(sql).db()?;
    let rows = stmt.query_map(params, |row| row.get::<_, String>(0)).db()?;
    let mut out = Vec::new();
    for body in rows {
        out.push(from_body(&body.db()?)?);
    }
    Ok(out)
}

pub(super) fn one_body<T: DeserializeOwned>(
    tx: &Transaction<'_>,
    sql: &str,
    params: &[&dyn ToSql],
) -> StoreResult<Option<T>> {
    let body: Option<String> = tx.query_row(sql, params, |row| row.get(0)).optional().db()?;
    body.as_deref().map(from_body).transpose()
}

pub(super) fn epoch_column(epoch: u64) -> StoreResult<i64> {
    i64::try_from(epoch).map_err(|_| StoreError::internal(format!("epoch {epoch} out of range")))
}

/// A page of `max_items` from rows fetched with one extra (`limit = max_items + 1`): the
/// extra row only says that more follow.
pub(super) fn page_of<T>(mut items: Vec<T>, max_items: usize, position: impl Fn(&T) -> String) -> Page<T> {
    let more = items.len() > max_items;
    items.truncate(max_items);
    let next = if more { items.last().map(position) } else { None };
    Page { items, next }
}

/// `max_items` is validated by the API (1–100); 0 would make a page that never advances.
pub(super) fn fetch_limit(page: &PageRequest) -> i64 {
    page.max_items.clamp(1, 1000) as i64 + 1
}

/// The tables that keep a record (`body`) by `id`, each row in one organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Table {
    Users,
    ServiceAccounts,
    Credentials,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Users => "users",
            Table::ServiceAccounts => "service_accounts",
            Table::Credentials => "credentials",
        }
    }
}

/// The record `id` in `table` if it belongs to `org` (another organization's is absent).
fn load_in<T: DeserializeOwned>(
    tx: &Transaction<'_>,
    table: Table,
    org: OrganizationId,
    id: impl ToString,
) -> StoreResult<Option<T>> {
    let sql = format!("SELECT body FROM {} WHERE id = ?1 AND organization_id = ?2", table.name());
    one_body(tx, &sql, params![id.to_string(), org.to_string()])
}

/// The record of `org` in `table` whose `column` (unique within an organization) is `value`.
fn find_in<T: DeserializeOwned>(
    tx: &Transaction<'_>,
    table: Table,
    column: &'static str,
    org: OrganizationId,
    value: &str,
) -> StoreResult<Option<T>> {
    let sql = format!("SELECT body FROM {} WHERE organization_id = ?1 AND {column} = ?2", table.name());
    one_body(tx, &sql, params![org.to_string(), value])
}

/// The direction of a list by `sort_key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Order {
    OldestFirst,
    NewestFirst,
}

/// One page of `org`'s records in `table` by `sort_key`, strictly after the position `after`
/// (validated by the caller), with one row more than the page holds (see [`page_of`]).
pub(super) fn list_in<T: DeserializeOwned>(
    tx: &Transaction<'_>,
    table: Table,
    order: Order,
    org: OrganizationId,
    after: Option<String>,
    limit: i64,
) -> StoreResult<Vec<T>> {
    let (after_op, direction) = match order {
        Order::OldestFirst => (">", "ASC"),
        Order::NewestFirst => ("<", "DESC"),
    };
    let sql = format!(
        "SELECT body FROM {} WHERE organization_id = ?1 AND (?2 IS NULL OR sort_key {after_op} ?2)
         ORDER BY sort_key {direction} LIMIT ?3",
        table.name()
    );
    bodies(tx, &sql, params![org.to_string(), after, limit])
}

pub(super) fn load_user(tx: &Transaction<'_>, org: OrganizationId, id: PrincipalId) -> StoreResult<Option<User>> {
    load_in(tx, Table::Users, org, id)
}

pub(super) fn load_service_account(
    tx: &Transaction<'_>,
    org: OrganizationId,
    id: PrincipalId,
) -> StoreResult<Option<ServiceAccount>> {
    load_in(tx, Table::ServiceAccounts, org, id)
}

pub(super) fn load_credential(
    tx: &Transaction<'_>,
    org: OrganizationId,
    id: CredentialId,
) -> StoreResult<Option<CredentialRecord>> {
    load_in(tx, Table::Credentials, org, id)
}

/// The principal that can hold credentials of `kind` (`CredentialKind::holder`: a user for
/// CLI and access tokens, a service account for API keys). Anything else is absent.
pub(super) fn load_owner_for(
    tx: &Transaction<'_>,
    org: OrganizationId,
    owner: PrincipalId,
    kind: CredentialKind,
) -> StoreResult<Option<Principal>> {
    Ok(match kind.holder() {
        PrincipalType::User => load_user(tx, org, owner)?.map(Principal::User),
        PrincipalType::ServiceAccount => load_service_account(tx, org, owner)?.map(Principal::ServiceAccount),
    })
}

pub(super) fn insert_organization(tx: &Transaction<'_>, org: &Organization) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO organizations (id, name_key, body) VALUES (?1, ?2, ?3)",
        params![org.id.to_string(), org.name.unique_key(), to_body(org)?],
    )
    .db()?;
    Ok(())
}

pub(super) fn insert_user(tx: &Transaction<'_>, user: &User) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO users (id, organization_id, email, permission_level, sort_key, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            user.id.to_string(),
            user.organization_id.to_string(),
            user.email.as_str(),
            user.permission_level.as_str(),
            position::of_user(user),
            to_body(user)?,
        ],
    )
    .db()?;
    Ok(())
}

pub(super) fn update_user_row(tx: &Transaction<'_>, user: &User) -> StoreResult<()> {
    tx.execute(
        "UPDATE users SET email = ?2, permission_level = ?3, sort_key = ?4, body = ?5 WHERE id = ?1",
        params![
            user.id.to_string(),
            user.email.as_str(),
            user.permission_level.as_str(),
            position::of_user(user),
            to_body(user)?,
        ],
    )
    .db()?;
    Ok(())
}

pub(super) fn insert_service_account(tx: &Transaction<'_>, account: &ServiceAccount) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO service_accounts (id, organization_id, name, sort_key, body) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            account.id.to_string(),
            account.organization_id.to_string(),
            account.name.as_str(),
            position::of_service_account(account),
            to_body(account)?,
        ],
    )
    .db()?;
    Ok(())
}

pub(super) fn update_service_account_row(tx: &Transaction<'_>, account: &ServiceAccount) -> StoreResult<()> {
    tx.execute(
        "UPDATE service_accounts SET name = ?2, sort_key = ?3, body = ?4 WHERE id = ?1",
        params![
            account.id.to_string(),
            account.name.as_str(),
            position::of_service_account(account),
            to_body(account)?,
        ],
    )
    .db()?;
    Ok(())
}

pub(super) fn insert_credential(tx: &Transaction<'_>, c: &CredentialRecord) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO credentials (id, organization_id, kind, owner_id, epoch, last_six, expires_at,
                                  revoked_at, last_used_at, purge_at, sort_key, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            c.id.to_string(),
            c.organization_id.to_string(),
            c.kind.as_str(),
            c.owner_id.to_string(),
            epoch_column(c.epoch)?,
            c.last_six,
            c.expires_at.as_ref().map(sortable),
            c.revoked_at.as_ref().map(sortable),
            c.last_used_at.as_ref().map(sortable),
            c.purge_at.as_ref().map(sortable),
            position::of_credential(c),
            to_body(c)?,
        ],
    )
    .db()?;
    Ok(())
}

/// Rewrites the mutable parts of a credential row (identity, owner and kind never change).
pub(super) fn update_credential_row(tx: &Transaction<'_>, c: &CredentialRecord) -> StoreResult<()> {
    tx.execute(
        "UPDATE credentials SET revoked_at = ?2, last_used_at = ?3, purge_at = ?4, body = ?5 WHERE id = ?1",
        params![
            c.id.to_string(),
            c.revoked_at.as_ref().map(sortable),
            c.last_used_at.as_ref().map(sortable),
            c.purge_at.as_ref().map(sortable),
            to_body(c)?,
        ],
    )
    .db()?;
    Ok(())
}

pub(super) fn check_principal_position(after: Option<&String>) -> StoreResult<Option<String>> {
    after.map(|p| position::parse_principal(p).map(|_| p.clone())).transpose()
}

pub(super) fn find_user(tx: &Transaction<'_>, org: OrganizationId, email: &Email) -> StoreResult<Option<User>> {
    find_in(tx, Table::Users, "email", org, email.as_str())
}

pub(super) fn find_service_account(
    tx: &Transaction<'_>,
    org: OrganizationId,
    name: &ServiceAccountName,
) -> StoreResult<Option<ServiceAccount>> {
    find_in(tx, Table::ServiceAccounts, "name", org, name.as_str())
}

/// Members are created only in an existing organization (`NotFound` otherwise), rather than
/// failing on the foreign key with an opaque error.
pub(super) fn require_organization(tx: &Transaction<'_>, org: OrganizationId) -> StoreResult<()> {
    let exists: Option<i64> = tx
        .query_row("SELECT 1 FROM organizations WHERE id = ?1", params![org.to_string()], |row| row.get(0))
        .optional()
        .db()?;
    exists.map(|_| ()).ok_or(StoreError::NotFound)
}
