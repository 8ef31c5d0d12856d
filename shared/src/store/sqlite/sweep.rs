//! Sweeps on the embedded store (see [`SweepTask`]): the task row is inserted in the
//! revocation's own transaction, and carried out (each covered credential's row updated,
//! the task row removed) in one later transaction, so a failure leaves the task pending for
//! the next [`Housekeeping::complete_pending_sweeps`](crate::store::Housekeeping::complete_pending_sweeps).
//! Which credentials a task covers is the domain's rule ([`SweepTask::covers`]), not SQL's.

use super::{DbResultExt, SqliteStore, bodies, from_body, to_body, update_credential_row};
use crate::clock::sortable;
use crate::domain::{CredentialRecord, SweepTask};
use crate::store::StoreResult;
use rusqlite::{Transaction, params};

/// Records `task` inside the transaction of the revocation that owes it.
pub(super) fn record(tx: &Transaction<'_>, task: &SweepTask) -> StoreResult<()> {
    tx.execute(
        "INSERT INTO sweep_tasks (key, revoked_at, body) VALUES (?1, ?2, ?3)",
        params![task.key(), sortable(&task.revoked_at), to_body(task)?],
    )
    .db()?;
    Ok(())
}

/// Marks every credential `task` covers; returns how many.
pub(super) fn mark_covered(tx: &Transaction<'_>, task: &SweepTask) -> StoreResult<usize> {
    let records: Vec<CredentialRecord> = bodies(
        tx,
        "SELECT body FROM credentials WHERE owner_id = ?1 AND organization_id = ?2 AND revoked_at IS NULL",
        params![task.owner_id.to_string(), task.organization_id.to_string()],
    )?;
    let mut marked = 0;
    for record in records.into_iter().filter(|r| task.covers(r)) {
        update_credential_row(tx, &task.mark(record))?;
        marked += 1;
    }
    Ok(marked)
}

fn run(tx: &Transaction<'_>, task: &SweepTask) -> StoreResult<usize> {
    let marked = mark_covered(tx, task)?;
    tx.execute("DELETE FROM sweep_tasks WHERE key = ?1", params![task.key()]).db()?;
    Ok(marked)
}

impl SqliteStore {
    /// Carries out a recorded task right after its revocation; a failure is only logged
    /// (the revocation stands; the task stays pending).
    pub(super) async fn sweep(&self, task: SweepTask) {
        let owner = task.owner_id;
        match self.write(move |tx| run(tx, &task)).await {
            Ok(count) => tracing::debug!(%owner, count, "marked credentials revoked"),
            Err(error) => tracing::warn!(
                %owner,
                error = %crate::logging::ErrorChain(&error),
                "sweep left pending (the credentials are revoked already; only their purge time is late)"
            ),
        }
    }

    /// Every pending task that is due at `now` (a graced rotation's waits for its grace).
    pub(super) async fn complete_pending(&self, now: crate::clock::Timestamp) -> StoreResult<usize> {
        let pending: Vec<String> = self
            .read(|tx| {
                let mut stmt = tx.prepare("SELECT body FROM sweep_tasks ORDER BY revoked_at, key").db()?;
                let rows = stmt.query_map([], |row| row.get::<_, String>(0)).db()?;
                rows.collect::<Result<Vec<_>, _>>().db()
            })
            .await?;
        let mut count = 0;
        for body in pending {
            let task: SweepTask = from_body(&body)?;
            if !task.is_due(now) {
                continue;
            }
            self.write(move |tx| run(tx, &task)).await?;
            count += 1;
        }
        Ok(count)
    }
}
