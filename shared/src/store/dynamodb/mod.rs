//! DynamoDB implementation of [`crate::store::Store`] (placeholder; implemented next).
