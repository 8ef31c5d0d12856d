//! Integration tests against a DynamoDB-compatible server (moto).
