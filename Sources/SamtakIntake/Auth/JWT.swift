import Foundation
import SamtakJOSE
import SamtakRuntime
import Synchronization

/// Development and test tokens: JSON Web Tokens (RFC 7519) signed with HMAC-SHA256 (`HS256`)
/// under `SAMTAK_JWT_SECRET`, as `samtak-admin token` prints them. The intake accepts them
/// only outside production (`BearerTokenVerifier`). The verification is strict: the header
/// must say `alg: HS256` (no `none`, no algorithm confusion), the signature is compared in
/// constant time, and `exp`, `nbf`, `iss` and `aud` are checked.
public struct JWTSigner: Sendable {
    public struct Claims: Codable, Sendable, Equatable {
        /// The person id.
        public var sub: String
        public var iss: String
        public var aud: String
        public var exp: Int
        public var iat: Int
        public var nbf: Int?
        public init(sub: String, iss: String, aud: String, exp: Int, iat: Int, nbf: Int? = nil) {
            self.sub = sub
            self.iss = iss
            self.aud = aud
            self.exp = exp
            self.iat = iat
            self.nbf = nbf
        }
    }

    public enum VerificationError: Error, Equatable, Sendable, CustomStringConvertible {
        case malformed, unsupportedAlgorithm, untrustedKey, badSignature, expired, notYetValid, wrongIssuer, wrongAudience, tooLongLived
        public var description: String {
            switch self {
            case .malformed: "the token is not a well-formed JWT"
            case .unsupportedAlgorithm: "the token's algorithm is not accepted"
            case .untrustedKey: "the token is signed with a key that is not trusted"
            case .badSignature: "the token's signature does not verify"
            case .expired: "the token has expired"
            case .notYetValid: "the token is not valid yet"
            case .wrongIssuer: "the token was issued by someone else"
            case .wrongAudience: "the token is meant for another audience"
            case .tooLongLived: "the token is valid for longer than five minutes"
            }
        }
    }

    let key: [UInt8]
    /// Tokens whose signature, algorithm, issuer and audience verified (what does not
    /// depend on the time), so a client's next request with the same token costs a lookup
    /// and the time checks instead of decoding and an HMAC. Shared by copies of the signer,
    /// which have the same key.
    let verified = VerifiedTokens()
    public let issuer: String
    public let audience: String
    /// Seconds of clock skew tolerated for `exp` and `nbf`.
    public let leeway: Int

    public init(secret: String, issuer: String = "samtak", audience: String = "samtak-api", leeway: Int = 30) {
        self.key = Array(secret.utf8)
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
    }

    public func sign(_ claims: Claims) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return JWSSigner.hs256(payload: Array((try? encoder.encode(claims)) ?? Data()), secret: key)
    }

    /// Returns the claims of a valid token.
    public func verify(_ token: String, now: Date = Date()) throws(VerificationError) -> Claims {
        if let claims = verified.claims(token) {
            try checkTime(claims, leeway: leeway, now: now)
            return claims
        }
        let claims = try verifyUncached(try Self.parse(token), now: now)
        verified.insert(token, claims)
        return claims
    }

    /// Exactly the checks of a token not seen before, in their order.
    func verifyUncached(_ jws: CompactJWS, now: Date) throws(VerificationError) -> Claims {
        do {
            try jws.verifyHS256(secret: key)
        } catch {
            throw error == .badSignature ? .badSignature : error == .malformed ? .malformed : .unsupportedAlgorithm
        }
        guard let claims = try? jws.claims(Claims.self) else { throw .malformed }
        try checkTime(claims, leeway: leeway, now: now)
        guard claims.iss == issuer else { throw .wrongIssuer }
        guard claims.aud == audience else { throw .wrongAudience }
        return claims
    }

    static func parse(_ token: String) throws(VerificationError) -> CompactJWS {
        do { return try CompactJWS(token) } catch { throw .malformed }
    }
}

func checkTime(_ claims: JWTSigner.Claims, leeway: Int, now: Date) throws(JWTSigner.VerificationError) {
    let seconds = Int(now.timeIntervalSince1970)
    guard claims.exp + leeway > seconds else { throw .expired }
    if let nbf = claims.nbf, nbf - leeway > seconds { throw .notYetValid }
}

/// Verifies the bearer tokens the intake accepts:
/// - ES256 tokens from `samtak-web` (`WebAccessToken`), signed with a key the intake trusts
///   (`SAMTAK_WEB_PUBLIC_KEY`), valid at most five minutes;
/// - HS256 development tokens (`JWTSigner`), only when `hs256` is given, that is outside
///   production.
/// Verified tokens are remembered (what does not depend on the time), so a burst of requests
/// with one token costs one signature check.
public struct BearerTokenVerifier: Sendable {
    let hs256: JWTSigner?
    let webKeys: JWKSet
    let leeway: Int
    let verified = VerifiedTokens()

    public init(hs256: JWTSigner?, webKeys: JWKSet, leeway: Int = 30) {
        self.hs256 = hs256
        self.webKeys = webKeys
        self.leeway = leeway
    }

    public var acceptsHS256: Bool { hs256 != nil }

    public func verify(_ token: String, now: Date = Date()) throws(JWTSigner.VerificationError) -> JWTSigner.Claims {
        if let claims = verified.claims(token) {
            try checkTime(claims, leeway: leeway, now: now)
            return claims
        }
        let jws = try JWTSigner.parse(token)
        let claims: JWTSigner.Claims
        switch jws.header.alg {
        case JWSAlgorithm.es256.rawValue:
            claims = try verifyWebToken(jws, now: now)
        case JWSAlgorithm.hs256.rawValue:
            guard let hs256 else { throw .unsupportedAlgorithm }
            claims = try hs256.verifyUncached(jws, now: now)
        default:
            throw .unsupportedAlgorithm
        }
        verified.insert(token, claims)
        return claims
    }

    func verifyWebToken(_ jws: CompactJWS, now: Date) throws(JWTSigner.VerificationError) -> JWTSigner.Claims {
        do {
            try jws.verify(algorithm: .es256, keys: webKeys)
        } catch {
            switch error {
            case .unknownKey: throw .untrustedKey
            case .badSignature: throw .badSignature
            case .malformed: throw .malformed
            default: throw .unsupportedAlgorithm
            }
        }
        guard let web = try? jws.claims(WebAccessToken.Claims.self) else { throw .malformed }
        let claims = JWTSigner.Claims(sub: web.sub, iss: web.iss, aud: web.aud, exp: web.exp, iat: web.iat)
        guard web.exp - web.iat <= WebAccessToken.maximumLifetime else { throw .tooLongLived }
        guard web.iat - leeway <= Int(now.timeIntervalSince1970) else { throw .notYetValid }
        try checkTime(claims, leeway: leeway, now: now)
        guard web.iss == WebAccessToken.issuer else { throw .wrongIssuer }
        guard web.aud == WebAccessToken.audience else { throw .wrongAudience }
        return claims
    }
}

/// base64url without padding (RFC 7515 §2), for the intake's own use (page cursors).
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String { SamtakJOSE.Base64URL.encode(bytes) }
    static func decode(_ text: String) -> [UInt8]? { SamtakJOSE.Base64URL.decode(text) }
}

/// Verified tokens and their claims (at most `limit`; emptied when full).
final class VerifiedTokens: Sendable {
    private let entries = Mutex<[String: JWTSigner.Claims]>([:])
    let limit = 10_000

    func claims(_ token: String) -> JWTSigner.Claims? { entries.withLock { $0[token] } }

    func insert(_ token: String, _ claims: JWTSigner.Claims) {
        entries.withLock { entries in
            if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
            entries[token] = claims
        }
    }
}
