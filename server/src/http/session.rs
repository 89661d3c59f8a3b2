//! The web console's session: the token is exchanged once for a random secret kept in an
//! HttpOnly, SameSite=Strict cookie, so no script on the page can read it and no other
//! site's page can send it. The store keeps only the secret's SHA-256; signing out revokes
//! it, and the user's token version (deactivation, "sign out everywhere") ends it too.

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::ErrorBody;
use super::extract::ApiJson;
use crate::auth::{AUDIENCE, Claims, ISSUER};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::ConsoleSession;

/// The cookie's name.
pub const COOKIE: &str = "bx_session";

#[derive(Debug, Deserialize, ToSchema)]
pub struct SessionIn {
    /// The bearer token the administrator issued.
    #[schema(min_length = 1, max_length = 4096)]
    pub token: String,
}

fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A cookie for the browser's session only (gone when the browser closes); the server's
/// row says how long it may last at most.
fn cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/")
        .secure(secure)
        .build()
}

/// Behind TLS (a proxy saying so) the cookie is also `Secure`.
fn over_tls(parts: &axum::http::HeaderMap) -> bool {
    parts
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

#[utoipa::path(post, path = "/api/v1/session", request_body = SessionIn, security(()),
    responses((status = 204, description = "signed in: the session cookie is set (HttpOnly, SameSite=Strict)"), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sign_in(
    State(st): State<AppState>,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
    ApiJson(b): ApiJson<SessionIn>,
) -> Result<(StatusCode, CookieJar)> {
    if b.token.is_empty() || b.token.len() > 4096 {
        return Err(Error::Invalid("token is 1–4096 characters".into()));
    }
    let claims = st.check_user(st.keys.verify(b.token.trim())?).await?;
    let hours = st
        .store
        .settings(claims.office)
        .await?
        .console_session_hours;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    let now = st.now();
    let ttl_ms = i64::from(hours) * 3_600_000;
    st.store
        .insert_console_session(ConsoleSession {
            hash: digest(&secret),
            user: claims.sub,
            token_version: claims.ver,
            created_at: now,
            expires_at: now.saturating_add(ttl_ms),
            revoked_at: None,
        })
        .await?;
    let jar = jar.add(cookie(secret, over_tls(&headers)));
    Ok((StatusCode::NO_CONTENT, jar))
}

#[utoipa::path(delete, path = "/api/v1/session",
    responses((status = 204, description = "signed out: the session is revoked and the cookie cleared"), (status = 401, body = ErrorBody)))]
pub async fn sign_out(
    State(st): State<AppState>,
    headers: axum::http::HeaderMap,
    jar: CookieJar,
) -> Result<(StatusCode, CookieJar)> {
    if let Some(c) = jar.get(COOKIE) {
        st.store
            .revoke_console_session(digest(c.value()), st.now())
            .await?;
    }
    let jar = jar.remove(cookie(String::new(), over_tls(&headers)));
    Ok((StatusCode::NO_CONTENT, jar))
}

/// The caller of a request that carries the session cookie: the session must exist, be
/// neither revoked nor expired, and the user's token version must not have moved since.
pub async fn caller(parts: &Parts, st: &AppState) -> Result<Option<Claims>> {
    let jar = CookieJar::from_headers(&parts.headers);
    let Some(c) = jar.get(COOKIE) else {
        return Ok(None);
    };
    let gone = || Error::Unauthorized("the console session has ended; sign in again".into());
    let s = st
        .store
        .console_session(digest(c.value()))
        .await?
        .ok_or_else(gone)?;
    let now = st.now();
    if s.revoked_at.is_some() || now >= s.expires_at {
        return Err(gone());
    }
    // The same checks as a token's (`AppState::check_user`), on the row just read: the role
    // and office come from it, so only activity and the token version are left to check.
    let user = st.store.user(s.user).await?.ok_or_else(gone)?;
    if !user.active || user.token_version != s.token_version {
        return Err(gone());
    }
    Ok(Some(Claims {
        sub: user.id,
        role: user.role,
        office: user.office,
        device: None,
        ver: s.token_version,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat: s.created_at / 1000,
        exp: s.expires_at / 1000,
    }))
}
