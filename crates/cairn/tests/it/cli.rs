//! The command line's answers to bad input: one line saying what is wrong, nothing written.

use cairn_store::testing::TestDb;

fn cairn(args: &[&str], stdin: &str) -> (bool, String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run cairn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let output = child.wait_with_output().expect("wait for cairn");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Asserts a failure whose message is one line containing `needle`.
fn assert_one_line_error((ok, _, stderr): (bool, String, String), needle: &str) {
    assert!(!ok, "expected failure, got success");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line expected, got:\n{stderr}");
    assert!(
        lines[0].contains(needle),
        "{:?} should mention {needle:?}",
        lines[0]
    );
}

#[tokio::test]
async fn bad_identifiers_and_roles_get_one_line_errors_and_write_nothing() {
    let db = TestDb::sqlite().await;
    let url = db.url().to_owned();
    let (ok, _, stderr) = cairn(&["demo", "--load-only", "--database", &url], "");
    assert!(ok, "{stderr}");
    let (ok, _, stderr) = cairn(
        &[
            "user",
            "add",
            "alice",
            "--name",
            "Alice Adams",
            "--database",
            &url,
        ],
        "a-long-password\n",
    );
    assert!(ok, "{stderr}");

    assert_one_line_error(
        cairn(
            &[
                "user",
                "grant",
                "alice",
                "head_of_everything",
                "--school",
                "140213",
                "--database",
                &url,
            ],
            "",
        ),
        "role \"head_of_everything\" is not recognised",
    );
    assert_one_line_error(
        cairn(
            &[
                "user",
                "grant",
                "alice",
                "school_leader",
                "--school",
                "14021",
                "--database",
                &url,
            ],
            "",
        ),
        "14021",
    );
    assert_one_line_error(
        cairn(
            &[
                "user",
                "grant",
                "alice",
                "school_leader",
                "--school",
                "999999",
                "--database",
                &url,
            ],
            "",
        ),
        "school 999999 does not exist",
    );
    assert_one_line_error(cairn(&["check", "upn", "A801200005001"], ""), "expected B");
    assert_one_line_error(
        cairn(
            &["user", "add", "Bad Name", "--name", "X", "--database", &url],
            "a-long-password\n",
        ),
        "username \"Bad Name\" is not valid",
    );
    assert_one_line_error(
        cairn(
            &["user", "add", "bob", "--name", "Bob", "--database", &url],
            "short\n",
        ),
        "at least 10 characters",
    );

    let (ok, listing, _) = cairn(&["user", "list", "--database", &url], "");
    assert!(ok);
    let alice = listing
        .lines()
        .find(|l| l.starts_with("alice"))
        .expect("alice is listed");
    assert!(alice.ends_with("no roles"), "nothing was granted: {alice}");
    assert!(!listing.contains("bob"), "bob was not created");

    let (ok, stdout, _) = cairn(
        &[
            "user",
            "grant",
            "alice",
            "school_leader",
            "--school",
            "140213",
            "--database",
            &url,
        ],
        "",
    );
    assert!(ok);
    assert!(
        stdout.contains("School leader of school 140213"),
        "{stdout}"
    );
    let (ok, stdout, _) = cairn(&["check", "upn", "B801200005001"], "");
    assert!(ok && stdout.contains("is valid"));
    db.finish().await;
}

#[test]
fn print_config_hides_the_database_password() {
    let (ok, stdout, _) = cairn(
        &[
            "serve",
            "--print-config",
            "--database",
            "postgres://cairn:hunter2@db.example/cairn",
        ],
        "",
    );
    assert!(ok);
    assert!(
        stdout.contains("postgres://cairn:***@db.example/cairn"),
        "{stdout}"
    );
    assert!(!stdout.contains("hunter2"));
}
