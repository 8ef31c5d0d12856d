//! A real failure inside the DynamoDB store: an SDK interceptor that fails UpdateItem calls
//! after a number of them while armed, for tests of what an interrupted write sequence (a
//! sweep) leaves behind.

use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemInput;
use latchkey::store::dynamodb::DynamoDbStore;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// Fails every UpdateItem after the first `allowed` while armed (clones share the switch).
#[derive(Debug, Default, Clone)]
pub struct FailingUpdates(Arc<Switch>);

#[derive(Debug, Default)]
struct Switch {
    armed: AtomicBool,
    allowed: AtomicI64,
}

impl FailingUpdates {
    pub fn arm(&self, allowed: i64) {
        self.0.allowed.store(allowed, Ordering::SeqCst);
        self.0.armed.store(true, Ordering::SeqCst);
    }
    pub fn disarm(&self) {
        self.0.armed.store(false, Ordering::SeqCst);
    }
    /// `store`, on the same table, with this interceptor in its client.
    pub fn wrap(&self, store: &DynamoDbStore) -> DynamoDbStore {
        let config = store.client().config().to_builder().interceptor(self.clone()).build();
        store.with_client(aws_sdk_dynamodb::Client::from_conf(config))
    }
}

impl Intercept for FailingUpdates {
    fn name(&self) -> &'static str {
        "FailingUpdates"
    }
    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let is_update = context.input().downcast_ref::<UpdateItemInput>().is_some();
        let switch = &self.0;
        if is_update && switch.armed.load(Ordering::SeqCst) && switch.allowed.fetch_sub(1, Ordering::SeqCst) <= 0 {
            return Err("injected failure".into());
        }
        Ok(())
    }
}
