//! The same work for every wrong token (SPEC section 7), on both stores: a well-formed token
//! that names an unknown credential, an unknown owner, both, a credential of another kind,
//! or a known pair with the wrong secret costs the authorizer the same store operations
//! (one `lookup_credential_and_owner`) and exactly one constant-time compare, so timing does
//! not tell whether an id exists. Garbage costs neither.

use latchkey::auth::{Authorizer, Decision, Denial, DenyReason};
use latchkey::clock::ManualClock;
use latchkey::config::Config;
use latchkey::credential::{Locator, Token};
use latchkey::domain::{CredentialId, CredentialKind, PrincipalId};
use latchkey::operator::{self, OperatorRequest};
use latchkey::store::Store;
use latchkey_tests::faults::FaultyStore;
use std::sync::Arc;

const LOOKUP: &str = "read_for_authorization";

fn token_for(locator: Locator) -> String {
    Token::generate(locator).expect("entropy").expose().to_string()
}

async fn every_wrong_token_costs_the_same(inner: Arc<dyn Store>) {
    let clock = Arc::new(ManualClock::starting_now());
    let outcome = operator::bootstrap(
        inner.as_ref(),
        clock.as_ref(),
        &Config::default(),
        &OperatorRequest { organization: format!("org-{}", uuid::Uuid::new_v4()), owner_email: "o@example.com".into() },
    )
    .await
    .expect("bootstrap");
    let valid = outcome.cli_token;
    let real = Token::parse(&valid).expect("a token").locator();
    let store = FaultyStore::new(inner);
    let authorizer = Authorizer::new(Arc::clone(&store) as Arc<dyn Store>, clock);

    let wrong = [
        ("unknown credential, known owner", Locator { credential_id: CredentialId::new_random(), ..real }),
        ("unknown owner, known credential", Locator { owner_id: PrincipalId::new_random(), ..real }),
        (
            "unknown owner and credential",
            Locator { owner_id: PrincipalId::new_random(), credential_id: CredentialId::new_random(), ..real },
        ),
        ("known pair, another kind", Locator { kind: CredentialKind::ApiKey, ..real }),
        ("known pair, wrong secret", real),
    ];
    let mut costs = Vec::new();
    for (case, locator) in wrong {
        let before = authorizer.secret_comparisons();
        store.take_calls();
        let decision = authorizer.authorize(Some(&format!("Bearer {}", token_for(locator)))).await.expect(case);
        let calls = store.take_calls();
        let compares = authorizer.secret_comparisons() - before;
        let reason = if locator == real { DenyReason::WrongSecret } else { DenyReason::UnknownCredential };
        assert_eq!(decision, Decision::Deny(Denial::of(locator.credential_id, reason)), "{case}");
        assert_eq!(calls, vec![LOOKUP], "{case}: store calls");
        assert_eq!(compares, 1, "{case}: constant-time compares");
        costs.push((calls, compares));
    }
    assert!(costs.windows(2).all(|w| w[0] == w[1]), "the wrong tokens cost differently: {costs:?}");

    // The valid token: the same lookup and compare (and its first `last_used_at` write).
    let before = authorizer.secret_comparisons();
    let decision = authorizer.authorize(Some(&format!("Bearer {valid}"))).await.expect("valid");
    assert!(matches!(decision, Decision::Allow(_)), "{decision:?}");
    assert_eq!(store.take_calls(), vec![LOOKUP, "record_last_used"]);
    assert_eq!(authorizer.secret_comparisons() - before, 1);

    // Garbage: no store call, no compare.
    let before = authorizer.secret_comparisons();
    for header in [None, Some("Basic abc".to_string()), Some(format!("Bearer {valid}x"))] {
        assert!(matches!(authorizer.authorize(header.as_deref()).await, Ok(Decision::Deny(_))));
    }
    assert!(store.take_calls().is_empty());
    assert_eq!(authorizer.secret_comparisons(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_wrong_token_costs_the_same_on_sqlite() {
    every_wrong_token_costs_the_same(latchkey_tests::sqlite_store().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_wrong_token_costs_the_same_on_dynamodb() {
    every_wrong_token_costs_the_same(latchkey_tests::dynamodb_store().await).await;
}
