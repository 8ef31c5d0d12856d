//! Walking the paths given: files and directories as git sees them (`ignore`: .gitignore
//! inside a repository, .ignore, git's global excludes), hidden files included (`.env` is
//! where tokens leak), `.git` itself and binary files skipped. A path named on the command
//! line is scanned even when ignored: naming it is asking for it.

use super::finder::Finder;
use ignore::WalkBuilder;
use latchkey::credential::Token;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

/// Git's own test: a file with a NUL byte in its first 8000 bytes is binary.
const BINARY_SNIFF_BYTES: usize = 8000;

/// A token found: where, and the token (whose `Debug` is redacted; printed only as its
/// kind and last six characters).
#[derive(Debug)]
pub struct Finding {
    pub path: PathBuf,
    pub line: usize,
    pub token: Token,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// Paths that could not be read, with why.
    pub errors: Vec<String>,
    pub files_scanned: usize,
}

/// Scans every file under `paths`, in a stable order (by name).
pub fn scan(paths: &[PathBuf], finder: &Finder) -> Outcome {
    let mut outcome = Outcome::default();
    let Some((first, rest)) = paths.split_first() else { return outcome };
    let mut builder = WalkBuilder::new(first);
    for path in rest {
        builder.add(path);
    }
    builder.hidden(false).filter_entry(|entry| entry.file_name() != ".git").sort_by_file_name(|a, b| a.cmp(b));
    for entry in builder.build() {
        match entry {
            Ok(entry) if entry.file_type().is_some_and(|t| t.is_file()) => {
                match scan_file(entry.path(), finder, &mut outcome.findings) {
                    Ok(()) => outcome.files_scanned += 1,
                    Err(e) => outcome.errors.push(format!("{}: {e}", entry.path().display())),
                }
            }
            Ok(_) => {}
            Err(e) => outcome.errors.push(e.to_string()),
        }
    }
    outcome
}

/// Line by line, so a large file costs one line of memory; binary files are skipped.
fn scan_file(path: &Path, finder: &Finder, findings: &mut Vec<Finding>) -> std::io::Result<()> {
    let mut reader = BufReader::with_capacity(64 * 1024, File::open(path)?);
    let head = reader.fill_buf()?;
    if head[..head.len().min(BINARY_SNIFF_BYTES)].contains(&0) {
        return Ok(());
    }
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        number += 1;
        for token in finder.tokens_in(&line) {
            findings.push(Finding { path: path.to_path_buf(), line: number, token });
        }
    }
}
