//! Request plumbing: condition expressions, transactions, batches, error mapping.

use super::items::Item;
use crate::store::{StoreError, StoreResult};
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;
use std::time::Duration;

/// BatchGetItem accepts at most 100 keys.
pub const BATCH_GET_LIMIT: usize = 100;
/// How often unprocessed batch entries are retried before giving up.
pub const BATCH_RETRIES: u32 = 5;
/// How often a transaction cancelled only by a concurrent transaction is re-sent.
pub const TRANSACTION_CONFLICT_RETRIES: u32 = 3;

/// An expression with its placeholders. Every attribute goes through a `#name`
/// placeholder: several of ours (`ttl`, `name`, ...) are DynamoDB reserved words.
#[derive(Debug, Clone, Default)]
pub struct Expr {
    pub text: String,
    pub names: HashMap<String, String>,
    pub values: HashMap<String, AttributeValue>,
}

impl Expr {
    pub fn new(text: impl Into<String>) -> Self {
        Self { text: text.into(), ..Self::default() }
    }
    pub fn name(mut self, placeholder: &str, attribute: &str) -> Self {
        self.names.insert(placeholder.into(), attribute.into());
        self
    }
    pub fn value(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.values.insert(placeholder.into(), value);
        self
    }
    /// `self AND other` (placeholders must not clash).
    pub fn and(mut self, other: Expr) -> Self {
        self.text = if self.text.is_empty() { other.text } else { format!("({}) AND ({})", self.text, other.text) };
        self.names.extend(other.names);
        self.values.extend(other.values);
        self
    }
    /// Placeholders of several expressions used in one request (DynamoDB rejects unused
    /// ones and empty maps).
    pub fn merged_placeholders(exprs: &[&Expr]) -> Placeholders {
        let mut names = HashMap::new();
        let mut values = HashMap::new();
        for e in exprs {
            names.extend(e.names.clone());
            values.extend(e.values.clone());
        }
        ((!names.is_empty()).then_some(names), (!values.is_empty()).then_some(values))
    }
}

/// `ExpressionAttributeNames` and `ExpressionAttributeValues` of one request, `None` when
/// empty (DynamoDB rejects empty maps).
pub type Placeholders = (Option<HashMap<String, String>>, Option<HashMap<String, AttributeValue>>);

/// What a failed condition of one transaction item means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnConditionFailed {
    /// A uniqueness guard exists already.
    Conflict(&'static str),
    NotFound,
    LastOwner,
    /// The state read before the write moved; read again and retry.
    Reread,
    /// The owner of a credential failed its check; read it to tell gone from moved.
    OwnerCheck,
    /// A freshly generated id exists already: not a state a caller can cause.
    DuplicateId,
}

pub fn chunks<T>(items: Vec<T>, size: usize) -> Vec<Vec<T>> {
    let size = size.max(1);
    let mut out = Vec::with_capacity(items.len().div_ceil(size));
    let mut current = Vec::with_capacity(size.min(items.len()));
    for item in items {
        current.push(item);
        if current.len() == size {
            out.push(std::mem::replace(&mut current, Vec::with_capacity(size)));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Pause before retry `attempt` (1-based) of unprocessed batch entries: 25, 50, 100 .. ms.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(25u64 << attempt.saturating_sub(1).min(5))
}

/// Error codes that mean "try again later" rather than "this request is wrong".
fn is_transient_code(code: &str) -> bool {
    matches!(
        code,
        "ThrottlingException"
            | "ProvisionedThroughputExceededException"
            | "RequestLimitExceeded"
            | "InternalServerError"
            | "ServiceUnavailable"
            | "LimitExceededException"
    )
}

/// Maps an SDK error: unreachable, throttled or timed out → `Unavailable`; everything
/// else (ValidationException included) → `Internal`. The SDK error is kept as the source;
/// the context names the operation and, for a service error, its code and message, never
/// an item (nor the raw response, which an SDK error's `Debug` form would show).
pub fn classify<E>(operation: &str, err: SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            StoreError::unavailable_from(operation, err)
        }
        SdkError::ServiceError(ctx) => {
            let code = ctx.err().code().unwrap_or("unknown");
            let message = ctx.err().message().unwrap_or("");
            let context = format!("{operation}: {code}: {message}");
            if is_transient_code(code) || ctx.raw().status().is_server_error() {
                StoreError::unavailable_from(context, err)
            } else {
                StoreError::internal_from(context, err)
            }
        }
        _ => StoreError::internal_from(operation, err),
    }
}

/// Whether `err` is the service saying a condition expression was false.
pub fn is_condition_failure<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    matches!(err, SdkError::ServiceError(ctx) if ctx.err().code() == Some("ConditionalCheckFailedException"))
}

/// How a TransactionCanceledException's reasons read.
#[derive(Debug, PartialEq, Eq)]
pub enum Cancellation {
    /// The first item (by index) whose condition was false.
    ConditionFailed(usize),
    /// Only concurrent transactions got in the way: sending it again is safe.
    Conflict,
    /// Throttled.
    Throttled,
    /// Anything else (a validation error inside the transaction, ...): the codes.
    Other(String),
}

pub fn read_cancellation<'a>(codes: impl Iterator<Item = Option<&'a str>>) -> Cancellation {
    let codes: Vec<Option<&str>> = codes.collect();
    if let Some(index) = codes.iter().position(|c| *c == Some("ConditionalCheckFailed")) {
        return Cancellation::ConditionFailed(index);
    }
    let failing: Vec<&str> = codes.iter().flatten().copied().filter(|c| *c != "None").collect();
    if !failing.is_empty() && failing.iter().all(|c| *c == "TransactionConflict") {
        Cancellation::Conflict
    } else if failing.iter().any(|c| matches!(*c, "ThrottlingError" | "ProvisionedThroughputExceeded")) {
        Cancellation::Throttled
    } else {
        Cancellation::Other(failing.join(","))
    }
}

pub fn build_error(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::internal_from("cannot build a request", e)
}

pub fn string_attribute<'a>(item: &'a Item, name: &str) -> StoreResult<&'a str> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Ok(v),
        _ => Err(StoreError::internal(format!("corrupt item: no {name}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_hold_at_most_their_size() {
        assert!(chunks(Vec::<u32>::new(), 25).is_empty());
        let sizes = |n: u32| chunks((0..n).collect(), 25).iter().map(Vec::len).collect::<Vec<_>>();
        assert_eq!(sizes(1), vec![1]);
        assert_eq!(sizes(25), vec![25]);
        assert_eq!(sizes(26), vec![25, 1]);
        assert_eq!(sizes(60), vec![25, 25, 10]);
        // Nothing lost, order kept.
        let flat: Vec<u32> = chunks((0..60).collect(), 25).into_iter().flatten().collect();
        assert_eq!(flat, (0..60).collect::<Vec<_>>());
        assert_eq!(chunks((0..250).collect::<Vec<u32>>(), BATCH_GET_LIMIT).len(), 3);
    }

    #[test]
    fn backoff_grows_and_is_bounded() {
        assert_eq!(backoff(1), Duration::from_millis(25));
        assert_eq!(backoff(2), Duration::from_millis(50));
        assert_eq!(backoff(100), Duration::from_millis(800));
    }

    #[test]
    fn cancellation_reasons() {
        let r = |codes: &[Option<&'static str>]| read_cancellation(codes.iter().copied());
        assert_eq!(r(&[Some("None"), Some("ConditionalCheckFailed")]), Cancellation::ConditionFailed(1));
        assert_eq!(r(&[Some("TransactionConflict"), Some("ConditionalCheckFailed")]), Cancellation::ConditionFailed(1));
        assert_eq!(r(&[Some("None"), Some("TransactionConflict")]), Cancellation::Conflict);
        assert_eq!(r(&[Some("ThrottlingError"), None]), Cancellation::Throttled);
        assert_eq!(r(&[Some("ValidationError")]), Cancellation::Other("ValidationError".into()));
    }

    #[test]
    fn expressions_combine() {
        let e = Expr::new("a").name("#a", "x").and(Expr::new("b").value(":b", AttributeValue::N("1".into())));
        assert_eq!(e.text, "(a) AND (b)");
        assert_eq!(Expr::default().and(Expr::new("c")).text, "c");
        let (names, values) = Expr::merged_placeholders(&[&e]);
        assert_eq!(names.map(|n| n.len()), Some(1));
        assert_eq!(values.map(|v| v.len()), Some(1));
        assert_eq!(Expr::merged_placeholders(&[&Expr::new("x")]), (None, None));
    }
}
