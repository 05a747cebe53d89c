//! Passwords: argon2id with a fresh salt; unknown e-mails verify against a dummy hash so timing
//! does not tell whether an account exists.

use crate::Error;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::sync::LazyLock;

/// Hashes a password with argon2id and a fresh salt (CPU-heavy: call off the async threads, or
/// use [`hash`]).
pub fn hash_password(password: &str) -> Result<String, Error> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(format!("hashing failed: {e}")))
}

/// Hashes a password off the async threads.
pub async fn hash(password: String) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(Error::internal)?
}

/// A hash that no password matches, verified for unknown e-mails so timing does not tell
/// whether an account exists.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("opportune-dummy-password").unwrap_or_default());

/// Whether `password` matches the stored `hash` (false without one, after the same work).
pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    let stored = hash.unwrap_or(&DUMMY_HASH);
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
        && hash.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_unknown_users_fail() {
        let h = hash_password("Correct-Horse-9").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("Correct-Horse-9", Some(&h)));
        assert!(!verify_password("wrong", Some(&h)));
        assert!(!verify_password("opportune-dummy-password", None));
    }
}
