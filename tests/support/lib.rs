
pub mod app;
