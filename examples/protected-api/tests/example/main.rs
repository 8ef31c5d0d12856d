//! The example protected API (`orders`): under the Runtime API stand-in with latchkey's
//! authorizer context, and behind `latchkey gateway` serving its own template.

mod gateway_protected;
mod protected_api;
