//! Opening a database written by an older build (schema version 1): its user rows get
//! `owner_since` and `cli_token_live` in the migration, as the stored CLI tokens say.

use super::*;

fn cli_token_of(user: &User, epoch: u64) -> CredentialRecord {
    let (_, _, mut token) = organization("unused");
    token.id = CredentialId::new_random();
    token.organization_id = user.organization_id;
    token.owner_id = user.id;
    token.owner_email = user.email.clone();
    token.epoch = epoch;
    token
}

#[tokio::test]
async fn opening_an_older_database_backfills_owner_since_and_liveness() {
    let dir = TempDir::new();
    let store = SqliteStore::open(&dir.0).unwrap();
    let (org, first, token) = organization("Acme");
    store.create_organization(&org, &first, &token, audit()).await.unwrap();
    let second = User::new(org.id, Email::parse("second@example.com").unwrap(), PermissionLevel::Owner, Utc::now());
    store.create_user(&second, &cli_token_of(&second, 0), audit()).await.unwrap();
    let collab =
        User::new(org.id, Email::parse("collab@example.com").unwrap(), PermissionLevel::Collaborator, Utc::now());
    store.create_user(&collab, &cli_token_of(&collab, 0), audit()).await.unwrap();
    drop(store);

    // What version 1 wrote: no owner_since, no cli_token_live; the second owner had revoked
    // all its CLI tokens (its epoch moved past its only token).
    let conn = Connection::open(dir.0.join(DATABASE_FILE)).unwrap();
    conn.execute("UPDATE users SET body = json_remove(body, '$.owner_since', '$.cli_token_live')", []).unwrap();
    conn.execute(
        "UPDATE users SET body = json_set(body, '$.cli_token_epoch', 1) WHERE id = ?1",
        [second.id.to_string()],
    )
    .unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    drop(conn);

    let before_open = Utc::now();
    let store = SqliteStore::open(&dir.0).unwrap();
    let read = |id| {
        let store = store.clone();
        async move { store.get_user(org.id, id).await.unwrap().unwrap() }
    };
    let (first, second, collab) = (read(first.id).await, read(second.id).await, read(collab.id).await);
    assert!(first.owner_since.is_some_and(|t| t >= before_open) && first.cli_token_live, "{first:?}");
    assert!(second.owner_since.is_some() && !second.cli_token_live, "{second:?}");
    assert!(collab.owner_since.is_none() && collab.cli_token_live, "{collab:?}");
    // Every row records both now.
    let conn = Connection::open(store.path()).unwrap();
    let unrecorded: i64 = conn
        .query_row("SELECT COUNT(*) FROM users WHERE json_extract(body, '$.cli_token_live') IS NULL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(unrecorded, 0);
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, schema::CURRENT_VERSION);
    // The guard sees the truth: the first owner is the last one who can sign in.
    let revocation = Revocation::new(Utc::now(), chrono::Duration::days(90));
    let lock_out =
        store.revoke_all_credentials(org.id, first.id, CredentialKind::CliToken, revocation, true, audit()).await;
    assert!(matches!(lock_out, Err(StoreError::LastOwner)), "{lock_out:?}");
    // Running it again changes nothing.
    assert_eq!(store.backfill_identity(Utc::now()).await.unwrap(), 0);
    assert_eq!(read(first.id).await, first);
}
