//! The tables on stdout, and the same figures as JSON.

use crate::every::Row;
use crate::stats::ratio;
use serde_json::{Map, Value, json};

pub struct Report {
    /// The floor first, then the authorizer's paths.
    pub comparison: Vec<(String, Value)>,
    pub every: Vec<Row>,
    pub server: Option<Value>,
}

/// The comparison's rows: label, key in each subject's figures.
const ROWS: [(&str, &str); 10] = [
    ("init (spawn → first /next), ms", "init_ms"),
    ("first invocation, ms", "first_invocation_ms"),
    ("warm round trip p50, µs", "warm_p50_us"),
    ("warm round trip p99, µs", "warm_p99_us"),
    ("CPU per warm invocation, µs (/proc stat)", "cpu_us_per_invocation"),
    ("CPU per warm invocation, µs (schedstat)", "cpu_us_per_invocation_schedstat"),
    ("instructions per warm invocation (callgrind)", "instructions_per_invocation"),
    ("peak RSS (VmHWM), KiB", "peak_rss_kib"),
    ("binary (stripped), bytes", "binary_bytes"),
    ("zip, bytes", "zip_bytes"),
];

impl Report {
    /// Each subject's figures divided by the floor's.
    fn ratios(&self) -> Vec<(String, Map<String, Value>)> {
        let Some((_, floor)) = self.comparison.first() else { return Vec::new() };
        self.comparison
            .iter()
            .skip(1)
            .map(|(name, m)| {
                let r = ROWS.iter().map(|(_, k)| (k.to_string(), json!(ratio(m[*k].as_f64(), floor[*k].as_f64()))));
                (format!("{name} / floor"), r.collect())
            })
            .collect()
    }

    pub fn to_json(&self) -> Value {
        let functions: Map<String, Value> = self.comparison.iter().map(|(n, m)| (n.clone(), m.clone())).collect();
        let ratios: Map<String, Value> = self.ratios().into_iter().map(|(n, r)| (n, Value::Object(r))).collect();
        let every: Vec<Value> = self
            .every
            .iter()
            .map(|r| json!({"function": r.function, "scenario": r.scenario, "figures": r.metrics}))
            .collect();
        json!({"comparison": functions, "ratios": ratios, "every_function": every, "local_server": self.server})
    }

    pub fn print(&self) {
        if !self.comparison.is_empty() {
            self.print_comparison();
        }
        if !self.every.is_empty() {
            println!();
            self.print_every();
        }
        if let Some(s) = &self.server {
            println!();
            println!(
                "local server, {}: {} req/s, p50 {} ms, p99 {} ms, non-2xx {}, socket errors {}, server CPU {} µs/request",
                fmt(&s["load"]),
                fmt(&s["requests_per_second"]),
                fmt(&s["p50_ms"]),
                fmt(&s["p99_ms"]),
                fmt(&s["errors_non_2xx"]),
                fmt(&s["errors_socket"]),
                fmt(&s["server_cpu_us_per_request"]),
            );
        }
    }

    fn print_comparison(&self) {
        let ratios = self.ratios();
        let mut header = format!("| {:<44} |", "");
        for (name, _) in &self.comparison {
            header.push_str(&format!(" {name:>28} |"));
        }
        for (name, _) in &ratios {
            header.push_str(&format!(" {:>28} |", name.replace("authorizer ", "").replace(" / floor", "/floor")));
        }
        println!("{header}");
        println!("|{}", "---|".repeat(1 + self.comparison.len() + ratios.len()));
        for (label, key) in ROWS {
            let mut line = format!("| {label:<44} |");
            for (_, m) in &self.comparison {
                line.push_str(&format!(" {:>28} |", fmt(&m[key])));
            }
            for (_, r) in &ratios {
                line.push_str(&format!(" {:>28} |", fmt(r.get(key).unwrap_or(&Value::Null))));
            }
            println!("{line}");
        }
    }

    fn print_every(&self) {
        println!(
            "| {:<26} | {:>8} | {:>26} | {:>12} | {:>13} | {:>13} | scenario |",
            "function", "init, ms", "CPU per warm invocation, µs", "instructions", "peak RSS, KiB", "binary, bytes"
        );
        println!("|---|---:|---:|---:|---:|---:|---|");
        let reference = self
            .comparison
            .iter()
            .filter(|(n, _)| n == "floor" || n == "authorizer (valid token)")
            .map(|(n, m)| (n.as_str(), "the comparison above", m));
        let rows = self.every.iter().map(|r| (r.function.as_str(), r.scenario.as_str(), &r.metrics));
        for (name, scenario, m) in reference.chain(rows) {
            println!(
                "| {:<26} | {:>8} | {:>26} | {:>12} | {:>13} | {:>13} | {} |",
                name,
                fmt(&m["init_ms"]),
                fmt(&m["cpu_us_per_invocation_schedstat"]),
                fmt(&m["instructions_per_invocation"]),
                fmt(&m["peak_rss_kib"]),
                fmt(&m["binary_bytes"]),
                scenario
            );
        }
    }
}

fn fmt(v: &Value) -> String {
    match v {
        Value::Null => "-".to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}
