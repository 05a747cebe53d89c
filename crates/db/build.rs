// The migrations are embedded at compile time (`sqlx::migrate!`): a migration added or edited
// must rebuild this crate even when no Rust file changed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
