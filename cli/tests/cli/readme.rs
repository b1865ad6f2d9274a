//! The README's tour is run, command by command, against the demo it tells
//! users to build, so the page cannot drift from the program.

use crate::support::Env;

/// Every `sh` block from "## A short tour" up to the benchmarks, in order.
fn tour() -> Vec<String> {
    let readme = include_str!("../../../README.md");
    let at = readme.find("## A short tour").expect("the README has a tour");
    let end = at
        + readme[at..]
            .find("Benchmarks:")
            .expect("the tour ends before the benchmarks");
    let mut lines = Vec::new();
    let mut rest = &readme[at..end];
    while let Some(start) = rest.find("```sh\n") {
        let block = &rest[start + 6..];
        let stop = block.find("```").expect("the block ends");
        lines.extend(block[..stop].lines().map(str::to_string));
        rest = &block[stop + 3..];
    }
    lines
}

/// Split a shell line into words: double and single quotes group, an
/// unquoted `#` after a blank starts a comment.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut prev_blank = true;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => word.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_word = true;
            }
            None if c == '#' && prev_blank => break,
            None if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            None => {
                word.push(c);
                in_word = true;
            }
        }
        prev_blank = c.is_whitespace() && quote.is_none();
    }
    if in_word {
        out.push(word);
    }
    out
}

#[test]
fn the_readme_tour_runs_against_the_demo() {
    let mut env = Env::new();
    env.now = "2022-04-05T09:00:00+07:00";
    // The tour names the repository's example files as `examples/...`.
    std::os::unix::fs::symlink(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../examples"),
        env.path("examples"),
    )
    .unwrap();
    let mut ledger: Option<String> = None;
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut ran = 0;
    for line in tour() {
        let w = words(&line);
        match w.first().map(String::as_str) {
            None => continue,
            Some("export") => {
                let (var, value) = w[1].split_once('=').expect("export VAR=value");
                if var == "SAKIP_LEDGER" {
                    ledger = Some(value.to_string());
                } else {
                    vars.push((var.to_string(), value.to_string()));
                }
            }
            Some("sakip") => {
                let mut cmd = env.sakip();
                match &ledger {
                    Some(dir) => cmd.env("SAKIP_LEDGER", env.path(dir)),
                    None => cmd.env_remove("SAKIP_LEDGER"),
                };
                for (var, value) in &vars {
                    cmd.env(var, value);
                }
                let out = cmd.args(&w[1..]).output().unwrap();
                assert!(
                    out.status.success(),
                    "README: `{line}` failed: {}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                ran += 1;
            }
            Some(other) => panic!("README tour line starts with {other}: {line}"),
        }
    }
    assert!(ran >= 40, "the tour ran {ran} commands");
    // The second block built a ledger of its own, with its retirement.
    let h = env
        .sakip()
        .env("SAKIP_LEDGER", env.path("dinas"))
        .args(["history", "IKU-3.2"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&h.stdout).contains("bukan IKU PK 2022"));
    // What the tour did is in the ledger: the correction by name, approved.
    let out = env
        .sakip()
        .env("SAKIP_LEDGER", env.path("demo/ledger"))
        .args(["status", "--year", "2022", "--format", "json"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("\"realisasi\":\"22.1\"") && text.contains("\"approved\":true"),
        "{text}"
    );
}

#[test]
fn shell_words_are_split_as_a_shell_would() {
    assert_eq!(
        words(r#"sakip --key a.key correct --reason "Data final BKN"   # comment"#),
        ["sakip", "--key", "a.key", "correct", "--reason", "Data final BKN"]
    );
    assert_eq!(words("# only a comment"), Vec::<String>::new());
    assert_eq!(words("a b#c"), ["a", "b#c"]);
}
