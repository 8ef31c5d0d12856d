
pub mod app;
pub mod runtime;
