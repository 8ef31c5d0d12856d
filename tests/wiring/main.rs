//! The wiring, one test binary: the route table against template.yaml, infra/openapi.yaml and
//! the sample events; each function's IAM rights; logging; gateway responses; scopes.

mod agreement;
