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

/// The audience of a link to one call-back's online survey (R-VISIT-SURVEY).
pub const SURVEY_AUDIENCE: &str = "baoxiu-survey";

/// What a survey link lets its holder do: answer one call-back's questionnaire, recorded
/// as made by the person who sent the link, until it expires.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SurveyClaims {
    pub callback: String,
    pub office: OfficeId,
    /// Who sent it (the customer-service manager, R-VISIT).
    pub by: UserId,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    /// UTC seconds; checked against the server's clock by the caller.
    pub exp: i64,
}

/// Signing keys from the environment, shared by every node of a deployment: one key a
/// line, `kid:hex-secret` (at least 32 bytes); the first signs, all verify, so a new key
/// goes first and the old one stays listed until its tokens have expired.
pub const KEYS_ENV: &str = "BAOXIU_SIGNING_KEYS";
/// The key id of the data directory's own key (and of tokens issued before key ids).
const LOCAL_KID: &str = "local";

/// The server's signing keys: the one that signs, and every one that verifies, by key id.
#[derive(Clone)]
pub struct Keys {
    kid: String,
    encoding: EncodingKey,
    decoding: Vec<(String, DecodingKey)>,
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
            kid: LOCAL_KID.into(),
            encoding: EncodingKey::from_secret(secret),
            decoding: vec![(LOCAL_KID.into(), DecodingKey::from_secret(secret))],
        }
    }

    /// Keys from `kid:hex-secret` lines (blank lines and `#` comments ignored): the first
    /// signs, all verify. Key ids are unique; secrets are at least 32 bytes.
    pub fn from_list(text: &str) -> std::io::Result<Self> {
        install_crypto();
        let bad = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidData, m);
        let mut keys: Vec<(String, Vec<u8>)> = Vec::new();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (kid, hex_secret) = line
                .split_once(':')
                .ok_or_else(|| bad("a signing key is `kid:hex-secret`".into()))?;
            let secret = hex::decode(hex_secret.trim())
                .map_err(|e| bad(format!("signing key {kid:?}: {e}")))?;
            if secret.len() < 32 {
                return Err(bad(format!("signing key {kid:?} is shorter than 32 bytes")));
            }
            if kid.is_empty() || keys.iter().any(|(k, _)| k == kid) {
                return Err(bad(format!("signing key id {kid:?} is empty or repeated")));
            }
            keys.push((kid.to_owned(), secret));
        }
        let (kid, first) = keys
            .first()
            .cloned()
            .ok_or_else(|| bad("no signing key listed".into()))?;
        Ok(Keys {
            kid,
            encoding: EncodingKey::from_secret(&first),
            decoding: keys
                .iter()
                .map(|(k, s)| (k.clone(), DecodingKey::from_secret(s)))
                .collect(),
        })
    }

    /// The keys in `BAOXIU_SIGNING_KEYS` when it is set (several nodes share them), else
    /// the data directory's own key.
    pub fn load(dir: &Path) -> std::io::Result<Self> {
        match std::env::var(KEYS_ENV) {
            Ok(list) if !list.trim().is_empty() => Self::from_list(&list),
            _ => Self::load_or_create(dir),
        }
    }

    /// The key that verifies `token`: by its key id; a token without one (issued before
    /// key ids) by the signing key.
    fn decoding_for(&self, token: &str) -> Option<&DecodingKey> {
        let kid = jsonwebtoken::decode_header(token).ok()?.kid;
        let kid = kid.as_deref().unwrap_or(&self.kid);
        self.decoding
            .iter()
            .find(|(k, _)| k == kid)
            .map(|(_, key)| key)
    }

    fn header(&self) -> Header {
        Header {
            kid: Some(self.kid.clone()),
            ..Header::new(Algorithm::HS256)
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
        jsonwebtoken::encode(&self.header(), claims, &self.encoding)
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
        jsonwebtoken::encode(&self.header(), &c, &self.encoding)
            .map_err(|e| Error::Internal(format!("signing: {e}")))
    }

    /// Verifies a share link's signature, audience and issuer; its expiry is the caller's
    /// to check against the server's clock.
    pub fn verify_share(&self, token: &str) -> Result<CopyClaims> {
        self.verify_link(token, COPY_AUDIENCE, "copy")
    }

    /// A link to one call-back's online survey, valid until `exp` (UTC seconds).
    pub fn survey(
        &self,
        callback: String,
        office: OfficeId,
        by: UserId,
        now_secs: i64,
        exp: i64,
    ) -> Result<String> {
        let c = SurveyClaims {
            callback,
            office,
            by,
            iss: ISSUER.into(),
            aud: SURVEY_AUDIENCE.into(),
            iat: now_secs,
            exp,
        };
        jsonwebtoken::encode(&self.header(), &c, &self.encoding)
            .map_err(|e| Error::Internal(format!("signing: {e}")))
    }

    /// Verifies a survey link as `verify_share` does a copy's.
    pub fn verify_survey(&self, token: &str) -> Result<SurveyClaims> {
        self.verify_link(token, SURVEY_AUDIENCE, "survey")
    }

    /// A link's signature, audience and issuer; anything wrong is "not found", so a link
    /// says nothing about what it is not.
    fn verify_link<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        audience: &str,
        what: &str,
    ) -> Result<T> {
        let mut v = Validation::new(Algorithm::HS256);
        v.algorithms = vec![Algorithm::HS256];
        v.validate_exp = false;
        v.set_required_spec_claims(&["exp", "aud", "iss"]);
        v.set_audience(&[audience]);
        v.set_issuer(&[ISSUER]);
        let key = self
            .decoding_for(token)
            .ok_or_else(|| Error::NotFound(what.into()))?;
        jsonwebtoken::decode::<T>(token, key, &v)
            .map(|d| d.claims)
            .map_err(|_| Error::NotFound(what.into()))
    }

    fn verify_for(&self, token: &str, audience: &str) -> Result<Claims> {
        let mut v = Validation::new(Algorithm::HS256);
        v.algorithms = vec![Algorithm::HS256];
        v.leeway = LEEWAY_SECS;
        v.validate_exp = true;
        v.set_required_spec_claims(&["exp", "aud", "iss"]);
        v.set_audience(&[audience]);
        v.set_issuer(&[ISSUER]);
        // Something that is no token at all is told so, not blamed on the key.
        if let Err(e) = jsonwebtoken::decode_header(token) {
            return Err(Error::Unauthorized(format!(
                "bad token: not a signed token ({e})"
            )));
        }
        let key = self
            .decoding_for(token)
            .ok_or_else(|| Error::Unauthorized("bad token: unknown key id".into()))?;
        jsonwebtoken::decode::<Claims>(token, key, &v)
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
