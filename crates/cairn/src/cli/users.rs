//! `cairn user`: accounts and roles.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use cairn_domain::{Role, RoleKind, Scope, Urn, Username};
use clap::{Args, Subcommand};

use crate::cli::DatabaseArgs;

#[derive(Debug, Subcommand)]
pub(crate) enum UserCommand {
    /// Create an account. The password is asked for, or read from standard input.
    Add {
        /// Login name: lower-case letters, digits, '.', '-' or '_'.
        username: String,
        /// The person's name as pages show it.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// List accounts and their roles.
    List {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Set an account's password (ends its sessions). Asked for, or read from standard input.
    SetPassword {
        username: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Grant a role within a group or a school.
    Grant(GrantArgs),
}

#[derive(Debug, Args)]
pub(crate) struct GrantArgs {
    username: String,
    /// trust_leader, school_leader, data_manager, governor or cluster_member.
    role: String,
    /// The group the role covers (its code).
    #[arg(long, conflicts_with = "school", required_unless_present = "school")]
    group: Option<String>,
    /// The school the role covers (its URN).
    #[arg(long)]
    school: Option<String>,
    #[command(flatten)]
    database: DatabaseArgs,
}

/// Reads a new password: prompted twice on a terminal, else one line from standard input.
fn read_password() -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New password: ")?;
        let second = rpassword::prompt_password("Repeat it: ")?;
        if first != second {
            bail!("the two passwords differ; nothing was changed");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if password.chars().count() < 10 {
        bail!("the password must be at least 10 characters; nothing was changed");
    }
    Ok(password)
}

pub(crate) async fn run(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            username,
            name,
            database,
        } => {
            // Validate everything before touching the database.
            let username = Username::parse(&username)?;
            if name.trim().is_empty() {
                bail!("--name must not be empty");
            }
            let password = read_password()?;
            let hash = cairn_web::auth::hash_password(&password)?;
            let store = database.open().await?;
            store
                .create_user(&username, name.trim(), &hash, chrono::Utc::now())
                .await
                .map_err(|e| match e {
                    cairn_store::StoreError::Conflict { .. } => {
                        anyhow::anyhow!("user {username} already exists; nothing was changed")
                    }
                    other => anyhow::Error::new(other),
                })?;
            println!(
                "Created user {username}. Grant a role with `cairn user grant {username} ROLE --group CODE` or `--school URN`."
            );
        }
        UserCommand::List { database } => {
            let store = database.open().await?;
            for user in store.users().await? {
                let roles: Vec<String> = user.roles.iter().map(ToString::to_string).collect();
                let roles = if roles.is_empty() {
                    "no roles".to_owned()
                } else {
                    roles.join("; ")
                };
                println!("{:<20} {:<40} {roles}", user.username, user.display_name);
            }
        }
        UserCommand::SetPassword { username, database } => {
            let username = Username::parse(&username)?;
            let password = read_password()?;
            let hash = cairn_web::auth::hash_password(&password)?;
            let store = database.open().await?;
            store.set_password_hash(&username, &hash).await?;
            println!("Password changed for {username}; their sessions have ended.");
        }
        UserCommand::Grant(args) => {
            let username = Username::parse(&args.username)?;
            let kind = RoleKind::parse(&args.role)?;
            let scope = match (args.group, args.school) {
                (Some(code), None) => Scope::Group(code),
                (None, Some(urn)) => Scope::School(Urn::parse(&urn)?),
                _ => bail!("give exactly one of --group CODE or --school URN"),
            };
            let role = Role { kind, scope };
            let store = args.database.open().await?;
            let user = store
                .user_by_username(&username)
                .await?
                .with_context(|| format!("user {username} does not exist"))?;
            store.grant_role(user.id, &role).await?;
            println!("{username} is now {role}.");
        }
    }
    Ok(())
}
