import Foundation

/// Why a token or key set was refused. The descriptions name the rule, never the token.
public enum JOSEError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Not three base64url parts, or a part that is not the JSON it should be.
    case malformed
    /// The header's `alg` is not the one the verifier expects (`none`, HS256 where RS256 is
    /// pinned, ...).
    case algorithmNotAllowed
    /// The header has `crit` (no extension is understood here, RFC 7515 §4.1.11).
    case unsupportedCriticalHeader
    /// No key in the set fits the token's `kid` and algorithm.
    case unknownKey
    case badSignature
    /// A key set that is not a JWKS.
    case malformedKeySet

    public var description: String {
        switch self {
        case .malformed: "the token is not a well-formed JWS"
        case .algorithmNotAllowed: "the token's algorithm is not the one expected"
        case .unsupportedCriticalHeader: "the token has critical header parameters"
        case .unknownKey: "no key of the issuer fits the token"
        case .badSignature: "the token's signature does not verify"
        case .malformedKeySet: "the key set is not a valid JWKS"
        }
    }
}

/// One key of a JWKS (RFC 7517) that can verify signatures: RSA or EC P-256, with its `kid`,
/// `use` and `alg` if given.
public struct JWK: Sendable {
    public let kid: String?
    public let use: String?
    public let alg: String?
    public let key: PublicKey

    public init(kid: String?, use: String? = nil, alg: String? = nil, key: PublicKey) {
        self.kid = kid
        self.use = use
        self.alg = alg
        self.key = key
    }

    /// Whether this key may verify `algorithm`: the key type fits, `use` (if given) is `sig`,
    /// and `alg` (if given) names the same algorithm.
    public func fits(_ algorithm: JWSAlgorithm) -> Bool {
        if let use, use != "sig" { return false }
        if let alg, alg != algorithm.rawValue { return false }
        switch (algorithm, key.type) {
        case (.rs256, .rsa): return key.bits >= PublicKey.minimumRSABits
        case (.es256, .ec): return true
        default: return false
        }
    }

    /// The public JWK as JSON members (for publishing a key set).
    public var members: [String: String] {
        var members = key.jwkParameters
        if let kid { members["kid"] = kid }
        if let use { members["use"] = use }
        if let alg { members["alg"] = alg }
        return members
    }
}

/// A JSON Web Key Set. Keys of other types (`oct`, `OKP`, other curves) and keys whose
/// parameters do not make a valid key are left out (`skipped` counts them); a document that
/// is not a JWKS at all is an error.
public struct JWKSet: Sendable {
    public let keys: [JWK]
    public let skipped: Int

    public init(keys: [JWK]) {
        self.keys = keys
        skipped = 0
    }

    public init(json: [UInt8]) throws(JOSEError) {
        struct Document: Decodable { var keys: [Member] }
        struct Member: Decodable {
            var kty: String?
            var kid: String?
            var use: String?
            var alg: String?
            var n: String?
            var e: String?
            var crv: String?
            var x: String?
            var y: String?
        }
        guard let document = try? JSONDecoder().decode(Document.self, from: Data(json)) else { throw .malformedKeySet }
        var keys: [JWK] = []
        var skipped = 0
        for member in document.keys {
            let key: PublicKey?
            switch member.kty {
            case "RSA":
                key = member.n.flatMap(Base64URL.decode).flatMap { n in
                    member.e.flatMap(Base64URL.decode).flatMap { PublicKey(rsaModulus: n, exponent: $0) }
                }
            case "EC" where member.crv == "P-256":
                key = member.x.flatMap(Base64URL.decode).flatMap { x in
                    member.y.flatMap(Base64URL.decode).flatMap { PublicKey(p256X: x, y: $0) }
                }
            default:
                key = nil
            }
            if let key {
                keys.append(JWK(kid: member.kid, use: member.use, alg: member.alg, key: key))
            } else {
                skipped += 1
            }
        }
        self.keys = keys
        self.skipped = skipped
    }

    /// The JWKS document of these keys.
    public var json: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(["keys": keys.map(\.members)])) ?? Data())
    }

    /// Keys that may verify a token with `kid` (nil: the token names none) and `algorithm`.
    public func candidates(kid: String?, algorithm: JWSAlgorithm) -> [JWK] {
        keys.filter { key in key.fits(algorithm) && (kid == nil || key.kid == kid) }
    }

    /// Whether some key has this `kid`.
    public func contains(kid: String) -> Bool { keys.contains { $0.kid == kid } }
}

/// A JWS in compact serialization (RFC 7515 §7.1), parsed but not yet verified.
public struct CompactJWS: Sendable {
    public struct Header: Decodable, Sendable {
        public var alg: String
        public var kid: String?
        public var typ: String?
        public var crit: [String]?
    }

    public let header: Header
    public let payload: [UInt8]
    public let signature: [UInt8]
    let signingInput: [UInt8]

    /// The longest token accepted (ID tokens are a few kilobytes).
    public static let maximumLength = 16 * 1024

    public init(_ token: String) throws(JOSEError) {
        guard token.utf8.count <= Self.maximumLength else { throw .malformed }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty,
              let headerBytes = Base64URL.decode(parts[0]), let payload = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2])
        else { throw .malformed }
        guard let header = try? JSONDecoder().decode(Header.self, from: Data(headerBytes)) else { throw .malformed }
        self.header = header
        self.payload = payload
        self.signature = signature
        signingInput = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
    }

    /// Checks the header against the pinned `algorithm`, finds the key by `kid` and verifies
    /// the signature. Returns the key that verified. Without a `kid`, every key that fits the
    /// algorithm is tried. Never accepts `none` or an algorithm other than the pinned one.
    @discardableResult
    public func verify(algorithm: JWSAlgorithm, keys: JWKSet) throws(JOSEError) -> JWK {
        try checkHeader(algorithm)
        guard algorithm != .hs256 else { throw .algorithmNotAllowed }
        let candidates = keys.candidates(kid: header.kid, algorithm: algorithm)
        guard !candidates.isEmpty else { throw .unknownKey }
        for candidate in candidates where candidate.key.verify(algorithm, message: signingInput, signature: signature) {
            return candidate
        }
        throw .badSignature
    }

    /// Verifies an HS256 token with a shared secret.
    public func verifyHS256(secret: [UInt8]) throws(JOSEError) {
        try checkHeader(.hs256)
        guard Crypto.constantTimeEquals(signature, Crypto.hmacSHA256(key: secret, message: signingInput)) else { throw .badSignature }
    }

    private func checkHeader(_ algorithm: JWSAlgorithm) throws(JOSEError) {
        guard header.alg == algorithm.rawValue else { throw .algorithmNotAllowed }
        guard header.crit == nil else { throw .unsupportedCriticalHeader }
    }

    /// The payload decoded as JSON into `T`.
    public func claims<T: Decodable>(_ type: T.Type) throws(JOSEError) -> T {
        guard let claims = try? JSONDecoder().decode(T.self, from: Data(payload)) else { throw .malformed }
        return claims
    }
}

/// Makes compact JWS tokens.
public enum JWSSigner {
    /// An ES256 token with `kid` and `typ: JWT`.
    public static func es256(payload: [UInt8], key: ES256PrivateKey, kid: String) -> String {
        let input = signingInput(header: #"{"alg":"ES256","kid":"\#(kid)","typ":"JWT"}"#, payload: payload)
        return input + "." + Base64URL.encode(key.sign(Array(input.utf8)))
    }

    /// An HS256 token.
    public static func hs256(payload: [UInt8], secret: [UInt8]) -> String {
        let input = signingInput(header: #"{"alg":"HS256","typ":"JWT"}"#, payload: payload)
        return input + "." + Base64URL.encode(Crypto.hmacSHA256(key: secret, message: Array(input.utf8)))
    }

    static func signingInput(header: String, payload: [UInt8]) -> String {
        Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(payload)
    }
}
