//! `GET /organization` and `PATCH /organization` (SPEC section 11): the caller's organization
//! and its policy (lifetime limits of new credentials, the IP ranges every credential is
//! held to).

use crate::{Client, Result};
use latchkey_wire::{Organization, UpdateOrganization};

/// `/organization`: the caller's own organization.
#[derive(Debug, Clone, Copy)]
pub struct OrganizationApi<'a> {
    pub(crate) client: &'a Client,
}

impl OrganizationApi<'_> {
    /// `GET /organization` (any member): its id, name, creation time and policy.
    pub async fn get(&self) -> Result<Organization> {
        self.client.get("/organization", &[]).await
    }

    /// `PATCH /organization` (OWNER, persistent credential): each policy field given replaces
    /// the stored one (`api_key_max_days: Some(None)` clears the limit; `allowed_ip_ranges:
    /// Some(vec![])` admits any address). A change that would shut out the caller's own
    /// source address is refused with 409 and changes nothing.
    pub async fn update(&self, request: &UpdateOrganization) -> Result<Organization> {
        self.client.patch("/organization", request).await
    }
}

#[cfg(test)]
mod tests {
    use latchkey_wire::{UpdateOrganization, UpdatePolicy};
    use serde_json::json;

    fn body(policy: UpdatePolicy) -> serde_json::Value {
        serde_json::to_value(UpdateOrganization { policy }).unwrap()
    }

    #[test]
    fn only_the_fields_given_are_sent_and_a_cleared_limit_is_null() {
        assert_eq!(body(UpdatePolicy::default()), json!({"policy": {}}));
        assert_eq!(
            body(UpdatePolicy { api_key_max_days: Some(None), ..Default::default() }),
            json!({"policy": {"api_key_max_days": null}})
        );
        assert_eq!(
            body(UpdatePolicy {
                access_token_max_days: Some(7),
                api_key_max_days: Some(Some(90)),
                allowed_ip_ranges: Some(vec!["10.0.0.0/8".into()]),
            }),
            json!({"policy": {"access_token_max_days": 7, "api_key_max_days": 90, "allowed_ip_ranges": ["10.0.0.0/8"]}})
        );
    }
}
