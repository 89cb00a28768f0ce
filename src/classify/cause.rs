//! The root-cause vocabulary (CAUSES.md): ids, precedence and remediation
//! live together here so each fact has one place.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// Why a 401 happened. `Display`/`FromStr` use the stable ids of CAUSES.md;
/// they appear in every output and must never be renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cause {
    MissingCredentials,
    MalformedCredentials,
    WrongScheme,
    ApiKeyMisplaced,
    WrongEnvironment,
    InvalidSignature,
    TokenNotYetValid,
    TokenExpired,
    RevokedCredentials,
    InsufficientScope,
    InvalidCredentials,
    AccountDisabled,
    IpBlocked,
    ServerMisconfigured,
    HeaderStripped,
    CorsPreflight,
    CachedResponse,
    ChallengeHandshake,
    Unknown,
}

impl Cause {
    pub const ALL: [Cause; 19] = [
        Cause::MissingCredentials,
        Cause::MalformedCredentials,
        Cause::WrongScheme,
        Cause::ApiKeyMisplaced,
        Cause::WrongEnvironment,
        Cause::InvalidSignature,
        Cause::TokenNotYetValid,
        Cause::TokenExpired,
        Cause::RevokedCredentials,
        Cause::InsufficientScope,
        Cause::InvalidCredentials,
        Cause::AccountDisabled,
        Cause::IpBlocked,
        Cause::ServerMisconfigured,
        Cause::HeaderStripped,
        Cause::CorsPreflight,
        Cause::CachedResponse,
        Cause::ChallengeHandshake,
        Cause::Unknown,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Cause::MissingCredentials => "missing_credentials",
            Cause::MalformedCredentials => "malformed_credentials",
            Cause::WrongScheme => "wrong_scheme",
            Cause::ApiKeyMisplaced => "api_key_misplaced",
            Cause::WrongEnvironment => "wrong_environment",
            Cause::InvalidSignature => "invalid_signature",
            Cause::TokenNotYetValid => "token_not_yet_valid",
            Cause::TokenExpired => "token_expired",
            Cause::RevokedCredentials => "revoked_credentials",
            Cause::InsufficientScope => "insufficient_scope",
            Cause::InvalidCredentials => "invalid_credentials",
            Cause::AccountDisabled => "account_disabled",
            Cause::IpBlocked => "ip_blocked",
            Cause::ServerMisconfigured => "server_misconfigured",
            Cause::HeaderStripped => "header_stripped",
            Cause::CorsPreflight => "cors_preflight",
            Cause::CachedResponse => "cached_response",
            Cause::ChallengeHandshake => "challenge_handshake",
            Cause::Unknown => "unknown",
        }
    }

    /// The fix to suggest (CAUSES.md, last column).
    pub fn remediation(self) -> &'static str {
        match self {
            Cause::MissingCredentials => "Attach the credential; check the auth setting was saved and the variable resolved.",
            Cause::MalformedCredentials => "Fix how the header is built (scheme, one space, the raw token); let the client library format it.",
            Cause::WrongScheme => "Use the scheme the WWW-Authenticate challenge asks for.",
            Cause::ApiKeyMisplaced => "Move the API key to where the API expects it (header vs query parameter).",
            Cause::WrongEnvironment => "Use a credential minted for this environment (issuer, audience, tenant).",
            Cause::InvalidSignature => "Check key rotation and the JWKS the server uses; re-issue the token.",
            Cause::TokenNotYetValid => "Sync clocks (NTP) on client, issuer and server; allow a small leeway.",
            Cause::TokenExpired => "Refresh the token (and refresh on 401); check the token lifetime.",
            Cause::RevokedCredentials => "Re-authenticate; find out why the credential was revoked.",
            Cause::InsufficientScope => "Get a token with the required scope; the server should answer 403.",
            Cause::InvalidCredentials => "Check for typos in the user, password or key; rotate it if unsure.",
            Cause::AccountDisabled => "Reactivate or unlock the account.",
            Cause::IpBlocked => "Allowlist the source address.",
            Cause::ServerMisconfigured => "Fix the server's key set, issuer configuration or auth backend.",
            Cause::HeaderStripped => "Forward Authorization in the proxy/CDN/gateway; avoid cross-origin redirects.",
            Cause::CorsPreflight => "Exempt OPTIONS preflight requests from authentication.",
            Cause::CachedResponse => "Send Cache-Control: no-store on 401 responses; clear the cache.",
            Cause::ChallengeHandshake => "Nothing to fix: the first leg of a challenge-response handshake.",
            Cause::Unknown => "No rule fired; read the evidence for what was checked.",
        }
    }

    /// Client-side precedence (CAUSES.md "Deciding between signals"): the
    /// earlier defect in a request's life wins. Lower is earlier.
    pub fn precedence(self) -> u8 {
        match self {
            Cause::CorsPreflight => 0,
            Cause::CachedResponse => 1,
            Cause::ChallengeHandshake => 2,
            Cause::HeaderStripped => 3,
            Cause::MissingCredentials => 4,
            Cause::MalformedCredentials => 5,
            Cause::WrongScheme => 6,
            Cause::ApiKeyMisplaced => 7,
            Cause::WrongEnvironment => 8,
            Cause::InvalidSignature => 9,
            Cause::TokenNotYetValid => 10,
            Cause::TokenExpired => 11,
            Cause::RevokedCredentials => 12,
            Cause::InsufficientScope => 13,
            Cause::AccountDisabled => 14,
            Cause::IpBlocked => 15,
            Cause::InvalidCredentials => 16,
            Cause::ServerMisconfigured => 17,
            Cause::Unknown => 18,
        }
    }

    /// Benign: counted but shown apart from failures.
    pub fn is_benign(self) -> bool {
        self == Cause::ChallengeHandshake
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// An id that is not in the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCauseId(pub String);

impl fmt::Display for UnknownCauseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' is not a cause id; expected one of: {}",
            self.0,
            Cause::ALL.map(Cause::id).join(", ")
        )
    }
}

impl std::error::Error for UnknownCauseId {}

impl FromStr for Cause {
    type Err = UnknownCauseId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        // The reference catalog's finer vocabulary maps onto ours.
        let mapped = match wanted.as_str() {
            "wrong_issuer" | "wrong_audience" => "wrong_environment",
            "unknown_key" => "invalid_signature",
            other => other,
        };
        Cause::ALL
            .into_iter()
            .find(|c| c.id() == mapped)
            .ok_or_else(|| UnknownCauseId(s.to_string()))
    }
}

impl Serialize for Cause {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in Cause::ALL {
            assert_eq!(c.id().parse::<Cause>(), Ok(c));
            assert!(seen.insert(c.id()));
            assert!(!c.remediation().is_empty());
        }
    }

    #[test]
    fn reference_vocabulary_maps_onto_ours() {
        assert_eq!("wrong_issuer".parse(), Ok(Cause::WrongEnvironment));
        assert_eq!("unknown_key".parse(), Ok(Cause::InvalidSignature));
        assert!("other".parse::<Cause>().is_err());
    }

    #[test]
    fn client_precedence_follows_the_life_of_a_request() {
        assert!(Cause::MissingCredentials.precedence() < Cause::MalformedCredentials.precedence());
        assert!(Cause::WrongEnvironment.precedence() < Cause::TokenExpired.precedence());
        assert!(Cause::TokenExpired.precedence() < Cause::RevokedCredentials.precedence());
    }
}
