//! The HTTP API end to end, one test binary: the local server (`spawn_app`) on each store and
//! the deployed shape (`latchkey gateway`), walking every route with its permission rules,
//! and the suites that attack it: security holes, scopes and `/verify`, the HTTP layer,
//! generated inputs, races, injected faults, the authorizer's round trips and equal work, and
//! the sample events.

mod audit;
mod equal_work;
mod faults;
mod grace;
mod http_layer;
mod ip_ranges;
mod leaks;
mod lifecycle;
mod organization;
mod properties;
mod races;
mod round_trips;
mod sample_events;
mod scopes;
mod security;
mod suspension;
mod walk;
