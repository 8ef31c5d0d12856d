//! How client commands print: an aligned table for people, the API's JSON for scripts.

use clap::ValueEnum;
use latchkey_sdk::wire::{CredentialInfo, ServiceAccount, Timestamp, User};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns.
    Table,
    /// The API's JSON, pretty-printed.
    Json,
}

/// Prints `value` as JSON on stdout.
pub fn print_json(value: &impl Serialize) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        // The wire types always serialize; this only guards against a future type that does not.
        Err(e) => eprintln!("latchkey: cannot print JSON: {e}"),
    }
}

/// Left-aligned columns separated by two spaces; the last column is not padded.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Self {
        Table { header: header.iter().map(|h| h.to_string()).collect(), rows: Vec::new() }
    }

    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row.into_iter().map(|cell| printable(&cell)).collect());
    }

    pub fn render(&self) -> String {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
            let mut line = String::new();
            for (index, cell) in row.iter().enumerate().take(columns) {
                if index + 1 < columns {
                    line.push_str(&format!("{cell:<width$}  ", width = widths[index]));
                } else {
                    line.push_str(cell);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    pub fn print(&self) {
        print!("{}", self.render());
    }
}

/// `label  value` lines for one object.
pub fn print_details(pairs: &[(&str, String)]) {
    let width = pairs.iter().map(|(label, _)| label.chars().count()).max().unwrap_or(0);
    for (label, value) in pairs {
        println!("{label:<width$}  {}", printable(value));
    }
}

/// Values come from other people (a token's description, a user's name): control
/// characters are escaped so they cannot move the cursor or rewrite the terminal.
fn printable(text: &str) -> String {
    text.chars().flat_map(|c| if c.is_control() { c.escape_default().collect::<Vec<_>>() } else { vec![c] }).collect()
}

pub fn time(value: &Timestamp) -> String {
    value.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

pub fn optional_time(value: &Option<Timestamp>) -> String {
    value.as_ref().map_or_else(|| "-".to_string(), time)
}

fn dash_if_empty(value: Option<&str>) -> String {
    value.filter(|v| !v.is_empty()).unwrap_or("-").to_string()
}

pub fn print_users(users: &[User]) {
    let mut table = Table::new(&["ID", "EMAIL", "NAME", "PERMISSION LEVEL", "ROLES", "CREATED AT"]);
    for user in users {
        table.push(vec![
            user.id.to_string(),
            user.email.clone(),
            dash_if_empty(Some(&user.name)),
            user.permission_level.clone(),
            dash_if_empty(Some(&user.roles.join(","))),
            time(&user.created_at),
        ]);
    }
    table.print();
}

pub fn print_service_accounts(accounts: &[ServiceAccount]) {
    let mut table = Table::new(&["NAME", "EMAIL", "PERMISSION LEVEL", "CREATED AT", "ID"]);
    for account in accounts {
        table.push(vec![
            account.name.clone(),
            account.email.clone(),
            account.permission_level.clone(),
            time(&account.created_at),
            account.id.to_string(),
        ]);
    }
    table.print();
}

pub fn print_api_keys(keys: &[CredentialInfo]) {
    let mut table =
        Table::new(&["ID", "SERVICE ACCOUNT", "LAST SIX", "STATUS", "CREATED AT", "LAST USED AT", "SCOPES"]);
    for key in keys {
        table.push(vec![
            key.id.to_string(),
            key.owner_email.clone(),
            key.last_six.clone(),
            key.status.clone(),
            time(&key.created_at),
            optional_time(&key.last_used_at),
            scopes(key),
        ]);
    }
    table.print();
}

pub fn print_access_tokens(tokens: &[CredentialInfo]) {
    let mut table = Table::new(&[
        "ID",
        "USER",
        "DESCRIPTION",
        "LAST SIX",
        "STATUS",
        "CREATED AT",
        "EXPIRES AT",
        "LAST USED AT",
        "SCOPES",
    ]);
    for token in tokens {
        table.push(vec![
            token.id.to_string(),
            token.owner_email.clone(),
            dash_if_empty(token.description.as_deref()),
            token.last_six.clone(),
            token.status.clone(),
            time(&token.created_at),
            optional_time(&token.expires_at),
            optional_time(&token.last_used_at),
            scopes(token),
        ]);
    }
    table.print();
}

pub fn print_credential_details(info: &CredentialInfo) {
    print_details(&[
        ("ID", info.id.to_string()),
        ("Kind", info.kind.clone()),
        ("Owner", format!("{} ({})", info.owner_email, info.owner_id)),
        ("Description", dash_if_empty(info.description.as_deref())),
        ("Last six", info.last_six.clone()),
        ("Status", info.status.clone()),
        ("Created at", time(&info.created_at)),
        ("Created by", info.created_by.map_or_else(|| "-".to_string(), |id| id.to_string())),
        ("Expires at", optional_time(&info.expires_at)),
        ("Revoked at", optional_time(&info.revoked_at)),
        ("Revoked because", dash_if_empty(info.revoked_reason.as_deref())),
        ("Disabled at", optional_time(&info.disabled_at)),
        ("Disabled by", info.disabled_by.map_or_else(|| "-".to_string(), |id| id.to_string())),
        ("Last used at", optional_time(&info.last_used_at)),
        ("Last used from", dash_if_empty(info.last_used_ip.as_deref())),
        ("Scopes", scopes(info)),
    ]);
}

/// A credential's scopes for a table: `*` when unscoped, `-` when it has none.
fn scopes(info: &CredentialInfo) -> String {
    match info.scopes.as_deref() {
        None => "*".to_string(),
        Some([]) => "-".to_string(),
        Some(list) => list.join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_control_characters_are_escaped() {
        let mut table = Table::new(&["ID", "NAME"]);
        table.push(vec!["1".into(), "a\x1b[2Jb".into()]);
        table.push(vec!["12345".into(), "c".into()]);
        assert_eq!(table.render(), "ID     NAME\n1      a\\u{1b}[2Jb\n12345  c\n");
    }
}
