//! The property of SPEC section 10's grace periods, on each store: for any sequence of
//! rotations with random graces, key creations, revoke-alls, housekeeping runs and clock
//! steps (a ManualClock), exactly the credentials an independent model says are valid come
//! out of `lookup_credential_and_owner` with status `Active`.
//!
//! The model knows nothing of epochs: each credential is dead, alive for good, or alive
//! until a time. A rotation with grace `g` at `now` gives every credential of the current
//! generation until `now + g` (dead at once for 0), kills the generation an earlier rotation
//! graced, and starts a new generation with the new credential; a revoke-all kills them all.
//!
//! `PROPTEST_CASES=N` overrides the case count.

use chrono::Duration;
use latchkey::clock::{Clock, ManualClock, Timestamp};
use latchkey::domain::{CredentialKind, CredentialRecord, CredentialStatus, GracePeriod, Principal, PrincipalId};
use latchkey::store::Store;
use latchkey_tests as support;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::sync::Arc;

#[derive(Debug, Clone)]
enum Op {
    Rotate { grace_seconds: i64 },
    Issue,
    RevokeAll,
    Housekeeping,
    Advance { seconds: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => prop_oneof![Just(0i64), Just(1), Just(30), Just(90), Just(600), Just(86_400)]
            .prop_map(|grace_seconds| Op::Rotate { grace_seconds }),
        2 => Just(Op::Issue),
        1 => Just(Op::RevokeAll),
        2 => Just(Op::Housekeeping),
        4 => prop_oneof![Just(0i64), Just(1), 0i64..120, Just(600), Just(90_000)].prop_map(|seconds| Op::Advance { seconds }),
    ]
}

/// What the model says of one credential.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Life {
    Forever,
    Until(Timestamp),
    Dead,
}

struct Model {
    /// (credential, life, generation: 0 = current, 1 = graced by the last rotation).
    credentials: Vec<(CredentialRecord, Life, u8)>,
}

impl Model {
    fn valid(life: Life, now: Timestamp) -> bool {
        match life {
            Life::Forever => true,
            Life::Until(t) => now < t,
            Life::Dead => false,
        }
    }
}

/// The holder: a collaborator user for CLI tokens, a service account for API keys.
struct Holder {
    org: latchkey::domain::OrganizationId,
    id: PrincipalId,
    kind: CredentialKind,
}

impl Holder {
    async fn read(&self, store: &dyn Store) -> Principal {
        let principals = store.get_principals(self.org, &[self.id]).await.expect("read the holder");
        principals.into_iter().next().expect("the holder exists")
    }

    /// A new record under epoch `epoch`, created exactly at the clock's time.
    fn record(&self, owner: &Principal, epoch: u64, clock: &ManualClock) -> CredentialRecord {
        support::credential_record(self.kind, self.org, self.id, owner.email(), epoch, clock.now(), None)
    }
}

async fn run_case(
    store: &dyn Store,
    clock: &ManualClock,
    kind: CredentialKind,
    ops: &[Op],
) -> Result<(), TestCaseError> {
    let acme = support::create_org(store, "Acme", clock).await;
    let (holder, first) = match kind {
        CredentialKind::CliToken => {
            let (user, token) = support::create_user(
                store,
                acme.id(),
                "holder@example.com",
                latchkey::domain::PermissionLevel::Collaborator,
                clock,
            )
            .await;
            (Holder { org: acme.id(), id: user.id, kind }, token)
        }
        _ => {
            let (account, key) = support::create_service_account(store, acme.id(), "holder", clock).await;
            (Holder { org: acme.id(), id: account.id, kind }, key)
        }
    };
    let mut model = Model { credentials: vec![(first, Life::Forever, 0)] };
    for (step, op) in ops.iter().enumerate() {
        let now = clock.now();
        match op {
            Op::Rotate { grace_seconds } => {
                let owner = holder.read(store).await;
                let epoch = owner.epoch_for(kind).expect("an epoch") + 1;
                let record = holder.record(&owner, epoch, clock);
                let grace = GracePeriod::parse(*grace_seconds).expect("a valid grace");
                let revocation = grace.revocation(now, support::RETENTION);
                store.rotate_credentials(&record, revocation, support::audit()).await.expect("rotate");
                for (_, life, generation) in &mut model.credentials {
                    match (*generation, grace.ends(now)) {
                        (0, Some(end)) if *life == Life::Forever => *life = Life::Until(end),
                        _ => *life = Life::Dead,
                    }
                    *generation = generation.saturating_add(1);
                }
                model.credentials.push((record, Life::Forever, 0));
            }
            Op::Issue => {
                let owner = holder.read(store).await;
                let record = holder.record(&owner, owner.epoch_for(kind).expect("an epoch"), clock);
                store.issue_credential(&record, support::audit()).await.expect("issue");
                model.credentials.push((record, Life::Forever, 0));
            }
            Op::RevokeAll => {
                let revocation = latchkey::domain::Revocation::new(now, support::RETENTION);
                store
                    .revoke_all_credentials(holder.org, holder.id, kind, revocation, false, support::audit())
                    .await
                    .expect("revoke all");
                for (_, life, generation) in &mut model.credentials {
                    *life = Life::Dead;
                    *generation = 2;
                }
            }
            Op::Housekeeping => {
                store.complete_pending_sweeps(now).await.expect("housekeeping");
            }
            Op::Advance { seconds } => clock.advance(Duration::seconds(*seconds)),
        }
        let now = clock.now();
        for (record, life, _) in &model.credentials {
            let (found, owner) = store.lookup_credential_and_owner(record.owner_id, record.id).await.expect("lookup");
            let found = found.expect("the credential is not purged within a case");
            let active = found.status(now, owner.as_ref()) == CredentialStatus::Active;
            prop_assert_eq!(
                active,
                Model::valid(*life, now),
                "step {} ({:?}): credential of epoch {} ({:?}), stored {:?}, owner {:?}",
                step,
                op,
                record.epoch,
                life,
                found,
                owner
            );
        }
    }
    Ok(())
}

/// Runs the property with a fresh store from `make` per case.
fn check<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Arc<dyn Store>>,
{
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let strategy = (
        prop_oneof![Just(CredentialKind::ApiKey), Just(CredentialKind::CliToken)],
        proptest::collection::vec(op(), 1..14),
    );
    let result = runner.run(&strategy, |(kind, ops)| {
        let clock = support::clock();
        rt.block_on(async {
            let store = make().await;
            run_case(store.as_ref(), &clock, kind, &ops).await
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn exactly_the_credentials_the_grace_rule_allows_are_active_on_sqlite() {
    check(support::sqlite_store);
}

#[test]
fn exactly_the_credentials_the_grace_rule_allows_are_active_on_dynamodb() {
    check(support::dynamodb_store);
}
