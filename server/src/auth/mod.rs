//! Tokens: HS256 JWTs signed with the key kept in the data directory.
//!
//! The algorithm is pinned, `exp`, `aud` and `iss` are required and checked with a small
//! leeway, and every token carries the user's token version: raising it (deactivating a
//! user, or "sign out everywhere") revokes every token issued before.

use std::path::Path;

use baoxiu_sync_core::{DeviceId, OfficeId, Role, UserId};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

mod hmac;

pub use self::hmac::install as install_crypto;

pub const ISSUER: &str = "baoxiu-server";
pub const AUDIENCE: &str = "baoxiu";
/// Tickets are tokens for the two places a browser cannot send a header (the WebSocket
/// upgrade, the event stream): another audience, so a ticket is never a bearer token and
/// a bearer token never travels in a URL.
pub const TICKET_AUDIENCE: &str = "baoxiu-ticket";
/// How long a ticket may be used to open a stream.
pub const TICKET_TTL_SECS: i64 = 60;
const LEEWAY_SECS: u64 = 30;
const KEY_FILE: &str = "signing.key";

/// What a token says about its holder.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: UserId,
    pub role: Role,
    pub office: OfficeId,
    /// The device a technician's token is bound to (its Automerge actor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceId>,
    /// The user's token version when issued.
    pub ver: u32,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

/// The audience of a share link to one order's customer copy (R-COPIES).
pub const COPY_AUDIENCE: &str = "baoxiu-copy";

/// What a share link reveals: one order, until it expires.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CopyClaims {
    pub order: baoxiu_sync_core::OrderId,
    pub office: OfficeId,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    /// UTC seconds; checked against the server's clock by the caller.
    pub exp: i64,
}

/// The server's signing key.
#[derive(Clone)]
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

impl Keys {
    pub fn from_secret(secret: &[u8]) -> Self {
        install_crypto();
        Keys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// Loads DIR/signing.key, creating it (32 random bytes, hex, mode 0600) on first run.
    pub fn load_or_create(dir: &Path) -> std::io::Result<Self> {
        let path = dir.join(KEY_FILE);
        let secret = match std::fs::read_to_string(&path) {
            Ok(s) => hex::decode(s.trim()).map_err(|e| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{path:?}: {e}"))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut secret = vec![0u8; 32];
                rand::rng().fill_bytes(&mut secret);
                write_private(&path, hex::encode(&secret).as_bytes())?;
                secret
            }
            Err(e) => return Err(e),
        };
        if secret.len() < 32 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "signing key shorter than 32 bytes",
            ));
        }
        Ok(Self::from_secret(&secret))
    }

    pub fn sign(&self, claims: &Claims) -> Result<String> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| Error::Internal(format!("signing: {e}")))
    }

    /// Verifies signature, algorithm, `exp`, `aud`, `iss`. Revocation is checked by the
    /// caller against the user table.
    pub fn verify(&self, token: &str) -> Result<Claims> {
        self.verify_for(token, AUDIENCE)
    }

    /// Verifies a ticket (`?ticket=` on `/sync` and `/api/v1/events`).
    pub fn verify_ticket(&self, ticket: &str) -> Result<Claims> {
        self.verify_for(ticket, TICKET_AUDIENCE)
    }

    /// A short-lived ticket for the holder of `claims`.
    pub fn ticket(&self, claims: &Claims, now_secs: i64) -> Result<String> {
        let t = Claims {
            aud: TICKET_AUDIENCE.into(),
            iat: now_secs,
            exp: now_secs + TICKET_TTL_SECS,
            ..claims.clone()
        };
        self.sign(&t)
    }

    /// A link to one order's customer copy, valid until `exp` (UTC seconds).
    pub fn share(
        &self,
        order: baoxiu_sync_core::OrderId,
        office: OfficeId,
        now_secs: i64,
        exp: i64,
    ) -> Result<String> {
        let c = CopyClaims {
            order,
            office,
            iss: ISSUER.into(),
            aud: COPY_AUDIENCE.into(),
            iat: now_secs,
            exp,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &c, &self.encoding)
            .map_err(|e| Error::Internal(format!("signing: {e}")))
    }

    /// Verifies a share link's signature, audience and issuer; its expiry is the caller's
    /// to check against the server's clock.
    pub fn verify_share(&self, token: &str) -> Result<CopyClaims> {
        let mut v = Validation::new(Algorithm::HS256);
        v.algorithms = vec![Algorithm::HS256];
        v.validate_exp = false;
        v.set_required_spec_claims(&["exp", "aud", "iss"]);
        v.set_audience(&[COPY_AUDIENCE]);
        v.set_issuer(&[ISSUER]);
        jsonwebtoken::decode::<CopyClaims>(token, &self.decoding, &v)
            .map(|d| d.claims)
            .map_err(|_| Error::NotFound("copy".into()))
    }

    fn verify_for(&self, token: &str, audience: &str) -> Result<Claims> {
        let mut v = Validation::new(Algorithm::HS256);
        v.algorithms = vec![Algorithm::HS256];
        v.leeway = LEEWAY_SECS;
        v.validate_exp = true;
        v.set_required_spec_claims(&["exp", "aud", "iss"]);
        v.set_audience(&[audience]);
        v.set_issuer(&[ISSUER]);
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &v)
            .map(|d| d.claims)
            .map_err(|e| Error::Unauthorized(format!("bad token: {e}")))
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// Claims for a new token valid for `ttl_secs` from now.
pub fn claims(
    user: UserId,
    role: Role,
    office: OfficeId,
    device: Option<DeviceId>,
    ver: u32,
    ttl_secs: i64,
) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: user,
        role,
        office,
        device,
        ver,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat: now,
        exp: now + ttl_secs,
    }
}
