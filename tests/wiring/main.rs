//! The wiring, one test binary: the route table against template.yaml, infra/openapi.yaml and
//! the sample events; each function's IAM rights; logging; gateway responses; scopes; the
//! secret-scanning doc against the scanner's patterns.

mod agreement;
mod secret_scanning_docs;
