//! Table administration: creating the table, its index and TTL (`create_table_if_missing`).

use super::*;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TableStatus, TimeToLiveSpecification,
};
use std::time::Duration;

impl DynamoDbStore {
    /// Creates the table (pk/sk, GSI `gsi1`, on-demand) if it does not exist, waits until
    /// it is ACTIVE, and enables TTL on `ttl`. Safe to run concurrently and repeatedly.
    pub async fn create_table_if_missing(&self) -> StoreResult<()> {
        let exists = match self.client.describe_table().table_name(&self.table).send().await {
            Ok(_) => true,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => false,
            Err(e) => return Err(classify("DescribeTable", e)),
        };
        if !exists {
            self.create_table().await?;
        }
        self.wait_until_active().await?;
        self.enable_ttl().await
    }

    async fn create_table(&self) -> StoreResult<()> {
        let string_attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build_error)
        };
        let key_element = |name: &str, key_type: KeyType| {
            KeySchemaElement::builder().attribute_name(name).key_type(key_type).build().map_err(build_error)
        };
        let index = GlobalSecondaryIndex::builder()
            .index_name(GSI1)
            .key_schema(key_element(GSI1_PK, KeyType::Hash)?)
            .key_schema(key_element(GSI1_SK, KeyType::Range)?)
            .projection(Projection::builder().projection_type(ProjectionType::All).build())
            .build()
            .map_err(build_error)?;
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(string_attribute(PK)?)
            .attribute_definitions(string_attribute(SK)?)
            .attribute_definitions(string_attribute(GSI1_PK)?)
            .attribute_definitions(string_attribute(GSI1_SK)?)
            .key_schema(key_element(PK, KeyType::Hash)?)
            .key_schema(key_element(SK, KeyType::Range)?)
            .global_secondary_indexes(index)
            .send()
            .await;
        match created {
            Ok(_) => Ok(()),
            // Someone else created it between our describe and create.
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_in_use_exception()) => Ok(()),
            Err(e) => Err(classify("CreateTable", e)),
        }
    }

    /// Polls every 100 ms (the SDK's waiter polls every 20 s) for at most a minute.
    async fn wait_until_active(&self) -> StoreResult<()> {
        for _ in 0..600 {
            let described = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await
                .map_err(|e| classify("DescribeTable", e))?;
            let table = described.table();
            let table_active = table.and_then(|t| t.table_status()) == Some(&TableStatus::Active);
            let indexes_active = table
                .map(|t| t.global_secondary_indexes())
                .unwrap_or_default()
                .iter()
                .all(|i| i.index_status().is_none_or(|s| s.as_str() == "ACTIVE"));
            if table_active && indexes_active {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(StoreError::unavailable(format!("table {} did not become ACTIVE within a minute", self.table)))
    }

    async fn enable_ttl(&self) -> StoreResult<()> {
        let spec = TimeToLiveSpecification::builder().attribute_name(TTL).enabled(true).build().map_err(build_error)?;
        match self.client.update_time_to_live().table_name(&self.table).time_to_live_specification(spec).send().await {
            Ok(_) => Ok(()),
            // "TimeToLive is already enabled": the desired state.
            Err(e)
                if e.as_service_error().is_some_and(|s| {
                    s.code() == Some("ValidationException")
                        && s.message().is_some_and(|m| m.to_ascii_lowercase().contains("already enabled"))
                }) =>
            {
                Ok(())
            }
            Err(e) => Err(classify("UpdateTimeToLive", e)),
        }
    }
}
