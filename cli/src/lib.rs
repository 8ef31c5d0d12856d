//! The `latchkey` command's library: the local server (`serve`), the deployed shape run
//! locally (`gateway`), store selection, and the operator actions. `main.rs` only parses
//! arguments.

pub mod gateway;
pub mod server;
pub mod stores;
