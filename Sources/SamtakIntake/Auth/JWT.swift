import COpenSSLCrypto
import Foundation
import Synchronization

/// JSON Web Tokens (RFC 7519) signed with HMAC-SHA256 (`HS256`), using OpenSSL's HMAC.
///
/// Why not a JWT package: the only JWT library on reach (vapor/jwt-kit) brings
/// BoringSSL's C build (minutes of clean build on these machines) for one algorithm
/// that OpenSSL, already linked for TLS, provides. The verification is strict: the header
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
        case malformed, unsupportedAlgorithm, badSignature, expired, notYetValid, wrongIssuer, wrongAudience
        public var description: String {
            switch self {
            case .malformed: "the token is not a well-formed JWT"
            case .unsupportedAlgorithm: "the token's algorithm is not HS256"
            case .badSignature: "the token's signature does not verify"
            case .expired: "the token has expired"
            case .notYetValid: "the token is not valid yet"
            case .wrongIssuer: "the token was issued by someone else"
            case .wrongAudience: "the token is meant for another audience"
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
        let header = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let payload = Base64URL.encode(Array((try? encoder.encode(claims)) ?? Data()))
        let signingInput = "\(header).\(payload)"
        return "\(signingInput).\(Base64URL.encode(hmac(Array(signingInput.utf8))))"
    }

    /// Returns the claims of a valid token.
    public func verify(_ token: String, now: Date = Date()) throws(VerificationError) -> Claims {
        if let claims = verified.claims(token) {
            try checkTime(claims, now: now)
            return claims
        }
        let claims = try verifyUncached(token, now: now)
        verified.insert(token, claims)
        return claims
    }

    /// Exactly the checks of a token not seen before, in their order.
    func verifyUncached(_ token: String, now: Date) throws(VerificationError) -> Claims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerBytes = Base64URL.decode(String(parts[0])),
              let payloadBytes = Base64URL.decode(String(parts[1])), let signature = Base64URL.decode(String(parts[2]))
        else { throw .malformed }
        struct Header: Decodable { var alg: String }
        guard let header = try? JSONDecoder().decode(Header.self, from: Data(headerBytes)) else { throw .malformed }
        guard header.alg == "HS256" else { throw .unsupportedAlgorithm }
        let expected = hmac(Array("\(parts[0]).\(parts[1])".utf8))
        guard signature.count == expected.count,
              CRYPTO_memcmp(signature, expected, expected.count) == 0
        else { throw .badSignature }
        guard let claims = try? JSONDecoder().decode(Claims.self, from: Data(payloadBytes)) else { throw .malformed }
        try checkTime(claims, now: now)
        guard claims.iss == issuer else { throw .wrongIssuer }
        guard claims.aud == audience else { throw .wrongAudience }
        return claims
    }

    func checkTime(_ claims: Claims, now: Date) throws(VerificationError) {
        let seconds = Int(now.timeIntervalSince1970)
        guard claims.exp + leeway > seconds else { throw .expired }
        if let nbf = claims.nbf, nbf - leeway > seconds { throw .notYetValid }
    }

    func hmac(_ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = key.withUnsafeBufferPointer { keyPointer in
            message.withUnsafeBufferPointer { messagePointer in
                HMAC(EVP_sha256(), keyPointer.baseAddress, Int32(key.count), messagePointer.baseAddress, message.count, &out, &length)
            }
        }
        return Array(out.prefix(Int(length)))
    }
}

/// base64url without padding (RFC 7515 §2).
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> [UInt8]? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }
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
