//! The README's tour is run, command by command, against the demo it tells
//! users to build, so the page cannot drift from the program.

use crate::support::Env;

/// The first `sh` block after "## A short tour".
fn tour() -> Vec<String> {
    let readme = include_str!("../../README.md");
    let at = readme.find("## A short tour").expect("the README has a tour");
    let block = &readme[at..];
    let start = block.find("```sh\n").expect("a sh block") + 6;
    let end = start + block[start..].find("```").expect("the block ends");
    block[start..end].lines().map(str::to_string).collect()
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
    let mut ledger: Option<String> = None;
    let mut ran = 0;
    for line in tour() {
        let w = words(&line);
        match w.first().map(String::as_str) {
            None => continue,
            Some("export") => {
                let (var, value) = w[1].split_once('=').expect("export VAR=value");
                assert_eq!(var, "SAKIP_LEDGER", "{line}");
                ledger = Some(value.to_string());
            }
            Some("sakip") => {
                let mut cmd = env.sakip();
                match &ledger {
                    Some(dir) => cmd.env("SAKIP_LEDGER", env.path(dir)),
                    None => cmd.env_remove("SAKIP_LEDGER"),
                };
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
    assert!(ran >= 25, "the tour ran {ran} commands");
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
