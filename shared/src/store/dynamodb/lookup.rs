//! [`CredentialLookup`] on the table: the authorizer's path, one BatchGetItem and one
//! conditional UpdateItem.

use super::*;
use crate::store::AuthorizationRead;

#[async_trait]
impl CredentialLookup for DynamoDbStore {
    /// One BatchGetItem of the credential, the owner and one policy copy (chosen at random)
    /// when the token names its organization; for a v1 token, the pair and then a GetItem of
    /// a copy of the owner's organization.
    async fn read_for_authorization(
        &self,
        organization: Option<OrganizationId>,
        owner: PrincipalId,
        credential: CredentialId,
    ) -> StoreResult<AuthorizationRead> {
        let mut keys = vec![credential_key(credential), principal_key(owner)];
        keys.extend(organization.map(|org| self.any_policy_copy_key(org)));
        let (credential_pk_value, owner_pk_value) = (s(credential_pk(credential)), s(principal_pk(owner)));
        let mut read = AuthorizationRead::default();
        for item in self.batch_get(keys).await? {
            match item.get(PK) {
                Some(pk) if *pk == credential_pk_value => read.credential = Some(decode_credential(item)?),
                Some(pk) if *pk == owner_pk_value => read.owner = Some(decode_principal(item)?),
                _ => read.policy = Some(super::policy::decode_policy_copy(&item)?),
            }
        }
        if organization.is_none()
            && let Some(owner) = &read.owner
        {
            let copy = self.get_item(self.any_policy_copy_key(owner.organization_id())).await?;
            read.policy = copy.as_ref().map(super::policy::decode_policy_copy).transpose()?;
        }
        Ok(read)
    }

    async fn lookup_credential_and_owner(
        &self,
        owner: PrincipalId,
        credential: CredentialId,
    ) -> StoreResult<(Option<CredentialRecord>, Option<Principal>)> {
        let credential_pk_value = s(credential_pk(credential));
        let mut found_credential = None;
        let mut found_owner = None;
        for item in self.batch_get(vec![credential_key(credential), principal_key(owner)]).await? {
            if item.get(PK) == Some(&credential_pk_value) {
                found_credential = Some(decode_credential(item)?);
            } else {
                found_owner = Some(decode_principal(item)?);
            }
        }
        Ok((found_credential, found_owner))
    }

    async fn record_last_used(
        &self,
        credential: CredentialId,
        at: Timestamp,
        unless_used_since: Timestamp,
        source_ip: Option<&str>,
    ) -> StoreResult<()> {
        // Numbers, not the RFC 3339 strings: those do not compare like the times. The
        // condition is `domain::last_use_is_due` (`last_used_at <= since`) said in DynamoDB's
        // words; the conformance suite pins its boundary on both stores.
        // The address of this use goes in the same write, or none known: never an older use's.
        let update = match source_ip {
            Some(ip) => Expr::new("SET #last_used = :at, #last_used_us = :at_us, #last_ip = :ip")
                .value(":ip", AttributeValue::S(ip.to_string())),
            None => Expr::new("SET #last_used = :at, #last_used_us = :at_us REMOVE #last_ip"),
        }
        .name("#last_used", "last_used_at")
        .name("#last_used_us", LAST_USED_AT_US)
        .name("#last_ip", "last_used_ip")
        .value(":at", timestamp_attribute(&at)?)
        .value(":at_us", n(epoch_micros(&at)));
        let condition =
            Expr::new("attribute_exists(#pk) AND (attribute_not_exists(#last_used_us) OR #last_used_us <= :since_us)")
                .name("#pk", PK)
                .name("#last_used_us", LAST_USED_AT_US)
                .value(":since_us", n(epoch_micros(&unless_used_since)));
        let (names, values) = Expr::merged_placeholders(&[&update, &condition]);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(credential_key(credential)))
            .update_expression(update.text)
            .condition_expression(condition.text)
            .set_expression_attribute_names(names)
            .set_expression_attribute_values(values)
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Ok(()),
            Err(e) => Err(classify("UpdateItem", e)),
        }
    }
}
