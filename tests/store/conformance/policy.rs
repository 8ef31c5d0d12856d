//! The organization's policy in the store (SPEC section 11): a change is judged on the policy
//! it would leave and written with its event, or not at all; the same values write nothing;
//! other organizations are untouched.

use super::*;
use latchkey::domain::policy::Denial;
use latchkey::domain::{AuditAction, AuditFilter, PolicyChange};

pub async fn policy_changes_are_judged_written_with_their_event_or_not_at_all(
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
) {
    let a = support::create_org(store.as_ref(), "policy-a", &clock).await;
    let b = support::create_org(store.as_ref(), "policy-b", &clock).await;
    let events = |org| {
        let store = Arc::clone(&store);
        async move {
            let filter = AuditFilter { action: Some(AuditAction::OrganizationPolicyUpdated), ..Default::default() };
            store.list_audit_events(org, &filter, &first_page(100)).await.expect("list").items.len()
        }
    };
    let ranges = vec!["10.0.0.0/8".to_string(), "2001:db8::/32".to_string()];
    let change = PolicyChange::parse(Some(30), Some(Some(90)), Some(&ranges), 365).expect("a valid change");
    // Refused by the check: nothing written.
    let refuse: latchkey::store::PolicyCheck = Arc::new(|_| Err(Denial::Conflict("no")));
    assert!(matches!(
        store.update_organization_policy(a.id(), &change, refuse, support::audit()).await,
        Err(StoreError::Denied(Denial::Conflict(_)))
    ));
    assert!(store.get_organization(a.id()).await.unwrap().unwrap().policy.is_default());
    assert_eq!(events(a.id()).await, 0);
    // Allowed: stored, with one event; the same again: no event.
    let allow: latchkey::store::PolicyCheck = Arc::new(|_| Ok(()));
    let updated = store.update_organization_policy(a.id(), &change, allow.clone(), support::audit()).await.unwrap();
    assert_eq!(updated.policy.access_token_max_days, Some(30));
    assert_eq!(store.get_organization(a.id()).await.unwrap().unwrap(), updated);
    store.update_organization_policy(a.id(), &change, allow.clone(), support::audit()).await.unwrap();
    assert_eq!(events(a.id()).await, 1);
    // Lifting a limit; the other organization never changed.
    let lift = PolicyChange::parse(None, Some(None), Some(&[]), 365).unwrap();
    let lifted = store.update_organization_policy(a.id(), &lift, allow.clone(), support::audit()).await.unwrap();
    assert_eq!((lifted.policy.api_key_max_days, lifted.policy.allowed_ip_ranges.is_empty()), (None, true));
    assert_eq!(lifted.policy.access_token_max_days, Some(30));
    assert!(store.get_organization(b.id()).await.unwrap().unwrap().policy.is_default());
    assert!(matches!(
        store
            .update_organization_policy(
                latchkey::domain::OrganizationId::new_random(),
                &change,
                allow,
                support::audit()
            )
            .await,
        Err(StoreError::NotFound)
    ));
}
