import Foundation
import SamtakJOSE

/// The tokens `samtak-web` sends to the intake API on behalf of a signed-in person: ES256,
/// signed with the web's private key (`SAMTAK_WEB_SIGNING_KEY`), valid at most five minutes,
/// `iss` `samtak-web`, `aud` `samtak-api`, `sub` the person id, `kid` the RFC 7638 thumbprint
/// of the key. The intake trusts the public keys it is configured with
/// (`SAMTAK_WEB_PUBLIC_KEY`); both sides default to the development key below, which
/// `SAMTAK_ENV=production` refuses.
public enum WebAccessToken {
    public static let issuer = "samtak-web"
    public static let audience = "samtak-api"
    /// The longest lifetime the intake accepts (and the web issues), in seconds.
    public static let maximumLifetime = 300

    /// Development only: public in this source file, so refused in production.
    public static let developmentSigningKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQggF0C3nvEG6NmSSos
        25tlE0TBEZjkIegpvWRFC5EokDOhRANCAASXZQ20VuGihCq5i4trdKyQ/N53Aefz
        NSkIfDe0IvpW/zFfNIZw+lg9Tgf33HrwVY1pWgArUOjChfoHZAclC6ao
        -----END PRIVATE KEY-----
        """

    public static var developmentSigningKey: ES256PrivateKey {
        guard let key = ES256PrivateKey(pem: developmentSigningKeyPEM) else { preconditionFailure("the development key does not parse") }
        return key
    }

    public struct Claims: Codable, Sendable, Equatable {
        public var iss: String
        public var sub: String
        public var aud: String
        public var iat: Int
        public var exp: Int
        public var jti: String

        public init(iss: String, sub: String, aud: String, iat: Int, exp: Int, jti: String) {
            self.iss = iss
            self.sub = sub
            self.aud = aud
            self.iat = iat
            self.exp = exp
            self.jti = jti
        }
    }

    /// A token for `personId`, valid `lifetime` seconds (at most `maximumLifetime`).
    public static func sign(personId: UUID, key: ES256PrivateKey, now: Date = Date(), lifetime: Int = maximumLifetime) -> String {
        let issued = Int(now.timeIntervalSince1970)
        let claims = Claims(iss: issuer, sub: personId.uuidString.lowercased(), aud: audience, iat: issued,
                            exp: issued + min(lifetime, maximumLifetime), jti: Crypto.randomToken(bytes: 12))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let payload = Array((try? encoder.encode(claims)) ?? Data())
        return JWSSigner.es256(payload: payload, key: key, kid: key.publicKey.thumbprint)
    }

    /// The public keys of `SAMTAK_WEB_PUBLIC_KEY` (or `_FILE`): one or more PEM public keys
    /// (P-256), each known by its thumbprint. Several keys let the web's key be rotated: add
    /// the new public key, move the web copies to the new private key, remove the old one.
    /// Development default: the development key; production refuses it.
    public static func trustedKeys(_ reader: EnvironmentReader, mode: RuntimeMode) throws(ConfigurationError) -> JWKSet {
        let variable = "SAMTAK_WEB_PUBLIC_KEY"
        guard let pem = try reader.secret(variable) else {
            guard mode == .development else {
                throw ConfigurationError(variable: variable, problem: "must be set in production (the development key is public)")
            }
            return JWKSet(keys: [jwk(developmentSigningKey.publicKey)])
        }
        let keys = PublicKey.fromPEM(pem)
        guard !keys.isEmpty, keys.allSatisfy({ $0.type == .ec }) else {
            throw ConfigurationError(variable: variable, problem: "expected one or more PEM public keys on the P-256 curve")
        }
        if mode == .production, keys.contains(where: { $0.thumbprint == developmentSigningKey.publicKey.thumbprint }) {
            throw ConfigurationError(variable: variable, problem: "the development key is refused in production")
        }
        return JWKSet(keys: keys.map(jwk))
    }

    /// The web's signing key from `SAMTAK_WEB_SIGNING_KEY` (or `_FILE`), PEM; development
    /// default: the development key, which production refuses.
    public static func signingKey(_ reader: EnvironmentReader, mode: RuntimeMode) throws(ConfigurationError) -> ES256PrivateKey {
        let variable = "SAMTAK_WEB_SIGNING_KEY"
        guard let pem = try reader.secret(variable) else {
            guard mode == .development else {
                throw ConfigurationError(variable: variable, problem: "must be set in production (the development key is public)")
            }
            return developmentSigningKey
        }
        guard let key = ES256PrivateKey(pem: pem) else {
            throw ConfigurationError(variable: variable, problem: "expected a PEM private key on the P-256 curve")
        }
        if mode == .production && key.publicKey.thumbprint == developmentSigningKey.publicKey.thumbprint {
            throw ConfigurationError(variable: variable, problem: "the development key is refused in production")
        }
        return key
    }

    public static func jwk(_ key: PublicKey) -> JWK {
        JWK(kid: key.thumbprint, use: "sig", alg: JWSAlgorithm.es256.rawValue, key: key)
    }
}
