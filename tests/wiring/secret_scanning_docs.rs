//! docs/secret-scanning.md tells scanners what latchkey's scanner does: it shows exactly the
//! patterns and GitHub secret types of `latchkey::leaks::pattern`, and its Python checksum
//! check accepts real tokens of every kind and refuses look-alikes (run with `python3`).

use latchkey::credential::{Locator, Token};
use latchkey::domain::{CredentialId, CredentialKind, OrganizationId, PrincipalId};
use latchkey::leaks::pattern;
use std::path::PathBuf;
use std::process::Command;

fn doc() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/secret-scanning.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A token of `kind` in format v2 (`v1`: the older format without the organization).
fn token(kind: CredentialKind, v1: bool) -> String {
    let organization_id = (!v1).then(OrganizationId::new_random);
    let locator = Locator {
        kind,
        organization_id,
        owner_id: PrincipalId::new_random(),
        credential_id: CredentialId::new_random(),
    };
    Token::generate(locator).unwrap().expose().to_string()
}

#[test]
fn the_doc_shows_the_pattern_and_type_of_every_kind() {
    let doc = doc();
    for kind in CredentialKind::ALL {
        let row = format!(
            "| `lk{}_` | `{}` | `{}` |",
            kind.prefix_letter(),
            // A `|` inside a table cell is written `\|` (GitHub-flavoured Markdown).
            pattern::regex(kind).replace('|', r"\|"),
            pattern::github_secret_type(kind)
        );
        assert!(doc.contains(&row), "docs/secret-scanning.md lacks the row {row}");
    }
}

#[test]
fn the_docs_python_checksum_check_tells_tokens_from_look_alikes() {
    let doc = doc();
    let start = doc.find("```python\n").expect("a python block") + "```python\n".len();
    let snippet = &doc[start..start + doc[start..].find("\n```").expect("the block ends")];
    let real: Vec<String> =
        [false, true].into_iter().flat_map(|v1| CredentialKind::ALL.into_iter().map(move |k| token(k, v1))).collect();
    let look_alikes: Vec<String> = real
        .iter()
        .map(|t| {
            let last = if t.ends_with('0') { '1' } else { '0' };
            format!("{}{last}", &t[..t.len() - 1])
        })
        .collect();
    let driver = format!(
        "{snippet}\n\nimport json, sys\nreal, fake = json.loads(sys.argv[1]), json.loads(sys.argv[2])\n\
         assert all(is_latchkey_token(t) for t in real), 'a real token refused'\n\
         assert not any(is_latchkey_token(t) for t in fake), 'a look-alike accepted'\n\
         text = ' '.join(f'key={{a}} other={{b}}' for a, b in zip(real, fake))\n\
         assert find_latchkey_tokens(text) == real, find_latchkey_tokens(text)\n\
         assert find_latchkey_tokens('x' + real[0]) == []\n\
         print('ok')\n"
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(&driver)
        .arg(serde_json::to_string(&real).unwrap())
        .arg(serde_json::to_string(&look_alikes).unwrap())
        .output()
        .expect("python3 runs (the tests need Python 3, README)");
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == "ok",
        "the doc's Python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
