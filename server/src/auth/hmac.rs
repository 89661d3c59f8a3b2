//! The token library's cryptography, HMAC-SHA2 only. Its `rust_crypto` feature would also
//! bring RSA (RUSTSEC-2023-0071) and elliptic curves, which baoxiu never uses: tokens are
//! HS256, pinned at verification. HS384 and HS512 are implemented so that a token signed
//! with them is *read* and then refused by the pinned algorithm, not a crash.

use hmac::{Hmac, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwkUtils, JwtSigner, JwtVerifier};
use jsonwebtoken::errors::{Error, ErrorKind, Result};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use sha2::{Sha256, Sha384, Sha512};
use signature::{Signer, Verifier};

/// One HMAC key with its algorithm, signing and verifying.
enum Key {
    Hs256(Hmac<Sha256>),
    Hs384(Hmac<Sha384>),
    Hs512(Hmac<Sha512>),
}

struct HmacKey {
    alg: Algorithm,
    key: Key,
}

impl HmacKey {
    fn new(alg: Algorithm, secret: &[u8]) -> Result<Self> {
        let bad = |_| Error::from(ErrorKind::InvalidKeyFormat);
        let key = match alg {
            Algorithm::HS256 => Key::Hs256(Hmac::new_from_slice(secret).map_err(bad)?),
            Algorithm::HS384 => Key::Hs384(Hmac::new_from_slice(secret).map_err(bad)?),
            Algorithm::HS512 => Key::Hs512(Hmac::new_from_slice(secret).map_err(bad)?),
            _ => return Err(ErrorKind::InvalidAlgorithm.into()),
        };
        Ok(HmacKey { alg, key })
    }

    fn mac(&self, msg: &[u8]) -> Vec<u8> {
        match &self.key {
            Key::Hs256(m) => m.clone().chain_update(msg).finalize().into_bytes().to_vec(),
            Key::Hs384(m) => m.clone().chain_update(msg).finalize().into_bytes().to_vec(),
            Key::Hs512(m) => m.clone().chain_update(msg).finalize().into_bytes().to_vec(),
        }
    }

    /// Constant-time comparison (the `hmac` crate's `verify_slice`).
    fn verify(&self, msg: &[u8], tag: &[u8]) -> bool {
        match &self.key {
            Key::Hs256(m) => m.clone().chain_update(msg).verify_slice(tag).is_ok(),
            Key::Hs384(m) => m.clone().chain_update(msg).verify_slice(tag).is_ok(),
            Key::Hs512(m) => m.clone().chain_update(msg).verify_slice(tag).is_ok(),
        }
    }
}

impl Signer<Vec<u8>> for HmacKey {
    fn try_sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        Ok(self.mac(msg))
    }
}

impl JwtSigner for HmacKey {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }
}

impl Verifier<Vec<u8>> for HmacKey {
    fn verify(&self, msg: &[u8], tag: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        if HmacKey::verify(self, msg, tag) {
            Ok(())
        } else {
            Err(signature::Error::new())
        }
    }
}

impl JwtVerifier for HmacKey {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }
}

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: |alg, key: &EncodingKey| {
        Ok(Box::new(HmacKey::new(*alg, key.try_get_hmac_secret()?)?))
    },
    verifier_factory: |alg, key: &DecodingKey| {
        Ok(Box::new(HmacKey::new(*alg, key.try_get_hmac_secret()?)?))
    },
    jwk_utils: JwkUtils::new_unimplemented(),
};

/// Installs the HMAC-only provider for this process (once; later calls do nothing).
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Fails only if a provider is already installed, which is then the one in use.
        let _ = PROVIDER.install_default();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_signs_and_verifies_and_refuses_other_families() {
        install();
        let secret = b"0123456789abcdef0123456789abcdef";
        for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
            let k = HmacKey::new(alg, secret).ok();
            let k = k.as_ref();
            let tag = k.map(|k| k.mac(b"header.payload")).unwrap_or_default();
            assert!(
                k.is_some_and(|k| k.verify(b"header.payload", &tag)),
                "{alg:?}"
            );
            assert!(
                !k.is_some_and(|k| k.verify(b"header.payload!", &tag)),
                "{alg:?}"
            );
        }
        for alg in [Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA] {
            assert!(HmacKey::new(alg, secret).is_err(), "{alg:?}");
        }
    }
}
