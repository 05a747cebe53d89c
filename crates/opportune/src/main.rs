//! `opportune`: the server, its migrations, and the administration commands.

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use opportune_app::App;
use opportune_app::admin::UserForm;
use opportune_core::records::{Locale, Role};
use opportune_db::{Db, users};
use opportune_web::auth;
use opportune_web::i18n::Tr;
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;

mod demo;

#[derive(Parser)]
#[command(
    name = "opportune",
    version,
    about = "Sales opportunities and pipeline management"
)]
struct Cli {
    /// Where the embedded SQLite database lives (ignored with --database-url).
    #[arg(
        long,
        global = true,
        env = "OPPORTUNE_DATA_DIR",
        default_value = "./data"
    )]
    data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL, or `sqlite://…`; default: SQLite in the data directory.
    #[arg(
        long,
        global = true,
        env = "OPPORTUNE_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web application and the API (the default).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Fill the database with deterministic, realistic demo data.
    Demo(demo::DemoArgs),
    /// Check the deals' histories.
    History {
        #[command(subcommand)]
        command: HistoryCommand,
    },
}

#[derive(Subcommand)]
enum HistoryCommand {
    /// Replay every deal's history and check that it gives the deal as it stands; exits 1 if
    /// one does not.
    Check,
}

#[derive(clap::Args, Default)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "OPPORTUNE_ADDR", default_value = "127.0.0.1:8080")]
    addr: Option<SocketAddr>,
    /// On an empty database, load the demo data set and its users first.
    #[arg(long)]
    demo: bool,
    /// Mark cookies Secure even without a proxy saying the request came over TLS.
    #[arg(long, env = "OPPORTUNE_SECURE_COOKIES")]
    secure_cookies: bool,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["admin", "manager", "rep"])]
        role: String,
        /// Team name; created at the top of the tree if it does not exist.
        #[arg(long)]
        team: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user and print it (only the token, on standard output).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

/// Logs to standard error: by default info and up (sqlx and tower-http from warn), which
/// includes each request's line (target `opportune_web::request`, see `opportune_web::app`).
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("OPPORTUNE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let json = std::env::var("OPPORTUNE_LOG_FORMAT").is_ok_and(|f| f == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// mimalloc instead of the C library's allocator: every request allocates its rows, strings and
/// body on one thread and frees them on another (docs/PERFORMANCE.md, fix 12). SQLite keeps the
/// C library's: through mimalloc (its `override` feature) the server's peak memory at 1M rose
/// from 140 to 188 MB for no measurable speed (fix 19).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    init_tracing();
    let cli = Cli::parse();
    let db = Db::connect(cli.database_url.as_deref(), &cli.data_dir)
        .await
        .context("opening the database")?;
    let result = run(
        &db,
        cli.command.unwrap_or(Command::Serve(ServeArgs::default())),
    )
    .await;
    db.close().await;
    result
}

async fn run(db: &Db, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve(db, args).await,
        Command::Migrate => {
            opportune_db::prepare(db).await?;
            eprintln!("migrations applied ({})", db.backend());
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    email,
                    name,
                    role,
                    team,
                    password_stdin: _,
                },
        } => {
            opportune_db::prepare(db).await?;
            let mut password = String::new();
            std::io::stdin().read_to_string(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']);
            let role = Role::parse(&role).map_err(|_| anyhow::anyhow!("unknown role"))?;
            let app = App::load(db.clone()).await?;
            let user = add_user(&app, &email, &name, role, team.as_deref(), password).await?;
            eprintln!("user {} created: {} ({role})", user.id, user.email);
            Ok(())
        }
        Command::Token {
            command: TokenCommand::Create { email, name },
        } => {
            opportune_db::prepare(db).await?;
            let user = users::find_by_email(db, &email)
                .await?
                .with_context(|| format!("no user {email}"))?;
            let token = auth::new_secret("opp_");
            users::create_token(db, user.id, &name, &auth::secret_hash(&token)).await?;
            println!("{token}");
            Ok(())
        }
        Command::Demo(args) => {
            opportune_db::prepare(db).await?;
            demo::run_alone(db.clone(), &args).await
        }
        Command::History {
            command: HistoryCommand::Check,
        } => {
            opportune_db::prepare(db).await?;
            let started = std::time::Instant::now();
            let report = opportune_db::history::check_replay(db).await?;
            for (id, why) in &report.failures {
                println!("deal {id}: {why:?}");
            }
            println!(
                "{} deals, {} events replayed in {:.1} s: {} do not replay to the deal",
                report.deals,
                report.events,
                started.elapsed().as_secs_f64(),
                report.failed
            );
            if report.failed > 0 {
                bail!("{} deals' histories do not replay", report.failed);
            }
            Ok(())
        }
    }
}

/// Creates a user through the operation the administration pages and the API use (so with the
/// same checks), in the team of that name, created at the top of the tree if there is none yet
/// (in the same transaction).
async fn add_user(
    app: &App,
    email: &str,
    name: &str,
    role: Role,
    team: Option<&str>,
    password: &str,
) -> anyhow::Result<users::UserRecord> {
    let form = UserForm {
        email: email.to_owned(),
        name: name.to_owned(),
        role: role.as_str().to_owned(),
        password: password.to_owned(),
        ..UserForm::default()
    };
    match team {
        Some(team) => form.create_in_team(app, team).await,
        None => form.create(app).await,
    }
    .map_err(|e| refused("user", e))
}

/// An operation's refusal as the command line says it: each bad field with its message in
/// English, else the error with its causes.
fn refused(what: &str, e: opportune_app::Error) -> anyhow::Error {
    match e {
        opportune_app::Error::Invalid(fields) => {
            let tr = Tr::new(Locale::En);
            let problems: Vec<String> = fields
                .iter()
                .map(|f| {
                    let message = opportune_web::error::field_message(tr, f.code);
                    format!("{}: {message}", f.field)
                })
                .collect();
            anyhow::anyhow!("{what} refused: {}", problems.join("; "))
        }
        other => anyhow::Error::new(other).context(format!("creating the {what}")),
    }
}

async fn serve(db: &Db, args: ServeArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    opportune_db::prepare(db).await?;
    let addr = args
        .addr
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    if users::count_users(db).await? == 0 {
        if args.demo {
            demo::run(db, &demo::DemoArgs::default()).await?;
            println!(
                "Demo data loaded. Sign in at http://{addr} as {} with the password {}",
                demo::DEMO_ADMIN,
                demo::DEMO_PASSWORD
            );
            println!(
                "(managers: manager1@demo.opportune … ; reps: rep1@demo.opportune … ; same password)"
            );
        } else {
            let password = auth::new_secret("")[..20].to_owned();
            let app = App::load(db.clone()).await?;
            add_user(
                &app,
                FIRST_ADMIN,
                "Admin",
                Role::Admin,
                Some("总部"),
                &password,
            )
            .await?;
            println!(
                "Created the first administrator. Sign in at http://{addr} as {FIRST_ADMIN} with the password {password}"
            );
        }
    }
    let state = opportune_web::AppState::load(db.clone(), args.secure_cookies).await?;
    tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "ready");
    opportune_web::serve(state, addr).await
}

const FIRST_ADMIN: &str = "admin@opportune.local";

#[cfg(test)]
mod tests {
    use super::*;

    async fn app(dir: &std::path::Path) -> App {
        let db = Db::connect(None, dir).await.expect("SQLite opens");
        opportune_db::prepare(&db).await.expect("SQLite prepares");
        App::load(db).await.expect("the application loads")
    }

    #[tokio::test]
    async fn a_user_added_on_the_command_line_gets_their_team_or_leaves_none() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let app = app(dir.path()).await;
        let password = "a-long-enough-password";
        let teams = async || users::teams(&app.db).await.expect("the teams").len();
        let before = teams().await;

        let refused = add_user(
            &app,
            "not-an-address",
            "王",
            Role::Rep,
            Some("华东"),
            password,
        )
        .await
        .expect_err("a bad e-mail address is refused");
        assert!(refused.to_string().contains("email"), "{refused}");
        assert_eq!(
            teams().await,
            before,
            "a refused user leaves no team behind"
        );

        let user = add_user(&app, "wang@x.cn", "王", Role::Rep, Some("华东"), password)
            .await
            .expect("the user is added");
        let east = users::teams(&app.db)
            .await
            .expect("the teams")
            .into_iter()
            .find(|t| t.name == "华东")
            .expect("the team is made for them");
        assert_eq!(user.team_id, Some(east.id));
        let again = add_user(&app, "li@x.cn", "李", Role::Rep, Some("华东"), password)
            .await
            .expect("a second user of the team");
        assert_eq!((again.team_id, teams().await), (Some(east.id), before + 1));

        let duplicate = add_user(&app, "wang@x.cn", "王", Role::Rep, Some("西南"), password)
            .await
            .expect_err("an e-mail address already in use is refused");
        assert!(duplicate.to_string().contains("email"), "{duplicate}");
        assert_eq!(teams().await, before + 1, "nor does a duplicate");
        app.db.close().await;
    }
}
