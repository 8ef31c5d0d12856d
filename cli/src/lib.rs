//! The `latchkey` command's library: the local server (`serve`), store selection, and the
//! operator actions. `main.rs` only parses arguments.

pub mod server;
pub mod stores;
