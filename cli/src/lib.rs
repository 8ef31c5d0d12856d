//! The `latchkey` command's library: the local server (`serve`), the deployed shape run
//! locally (`gateway`), store selection, the operator actions (`audit replay` among them), and `scan` (leaked
//! credentials in files). `main.rs` only parses arguments.

pub mod gateway;
pub mod replay;
pub mod scan;
pub mod server;
pub mod stores;
