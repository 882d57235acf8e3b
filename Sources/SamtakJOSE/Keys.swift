import COpenSSLCrypto
import Foundation

/// The JWS algorithms Samtak knows (RFC 7518 §3). Which one a token may use is decided by
/// the verifier (pinned per issuer), never by the token's header.
public enum JWSAlgorithm: String, Sendable, CaseIterable, Codable {
    case rs256 = "RS256"
    case es256 = "ES256"
    case hs256 = "HS256"
}

/// A public key (RSA or P-256) in an OpenSSL `EVP_PKEY`, immutable after creation (OpenSSL 3
/// keys may be used by several threads at once). Freed with the object.
public final class PublicKey: @unchecked Sendable, CustomStringConvertible {
    public enum KeyType: String, Sendable { case rsa = "RSA", ec = "EC" }

    let pointer: OpaquePointer
    public let type: KeyType
    /// Key size in bits (modulus for RSA, 256 for P-256).
    public let bits: Int

    /// The smallest RSA modulus accepted (RFC 7518 §3.3 asks for 2048 bits or more).
    public static let minimumRSABits = 2048

    init?(taking pointer: OpaquePointer?) {
        guard let pointer else { return nil }
        switch EVP_PKEY_get_base_id(pointer) {
        case EVP_PKEY_RSA:
            type = .rsa
        case EVP_PKEY_EC where samtak_key_is_p256(pointer) == 1:
            type = .ec
        default:
            EVP_PKEY_free(pointer)
            return nil
        }
        self.pointer = pointer
        bits = Int(EVP_PKEY_get_bits(pointer))
    }

    deinit { EVP_PKEY_free(pointer) }

    /// An RSA key from its big-endian modulus and exponent (JWK `n`, `e`).
    public convenience init?(rsaModulus n: [UInt8], exponent e: [UInt8]) {
        guard !n.isEmpty, !e.isEmpty else { return nil }
        self.init(taking: samtak_rsa_public_key(n, n.count, e, e.count))
    }

    /// A P-256 key from its coordinates (JWK `x`, `y`, 32 bytes each); nil off the curve.
    public convenience init?(p256X x: [UInt8], y: [UInt8]) {
        guard x.count == 32, y.count == 32 else { return nil }
        self.init(taking: samtak_p256_public_key(x, y))
    }

    /// Every public key ("-----BEGIN PUBLIC KEY-----" block) in PEM text, in order.
    public static func fromPEM(_ text: String) -> [PublicKey] {
        var pointers = [OpaquePointer?](repeating: nil, count: 16)
        let bytes = Array(text.utf8)
        let count = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { samtak_public_keys_from_pem($0.baseAddress, $0.count, &pointers, 16) }
        }
        return pointers.prefix(Int(count)).compactMap { PublicKey(taking: $0) }
    }

    /// Verifies `signature` over `message` with this key. `algorithm` must fit the key type
    /// (RS256 an RSA key of at least 2048 bits, ES256 a P-256 key and a 64-byte r||s
    /// signature); HS256 never verifies with a public key.
    public func verify(_ algorithm: JWSAlgorithm, message: [UInt8], signature: [UInt8]) -> Bool {
        let der: [UInt8]
        switch (algorithm, type) {
        case (.rs256, .rsa):
            guard bits >= Self.minimumRSABits else { return false }
            der = signature
        case (.es256, .ec):
            guard signature.count == 64 else { return false }
            var out: UnsafeMutablePointer<UInt8>?
            let length = samtak_ecdsa_raw_to_der(signature, &out)
            guard length > 0, let out else { return false }
            der = Array(UnsafeBufferPointer(start: out, count: Int(length)))
            CRYPTO_free(out, #fileID, #line)
        default:
            return false
        }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, pointer) == 1 else { ERR_clear_error(); return false }
        let result = EVP_DigestVerify(context, der, der.count, message, message.count)
        ERR_clear_error()
        return result == 1
    }

    /// The key's public parameters as a JWK (without `kid`, `use`, `alg`).
    public var jwkParameters: [String: String] {
        switch type {
        case .ec:
            var x = [UInt8](repeating: 0, count: 32)
            var y = [UInt8](repeating: 0, count: 32)
            guard samtak_p256_coordinates(pointer, &x, &y) == 1 else { return [:] }
            return ["kty": "EC", "crv": "P-256", "x": Base64URL.encode(x), "y": Base64URL.encode(y)]
        case .rsa:
            var n: UnsafeMutablePointer<UInt8>?
            var e: UnsafeMutablePointer<UInt8>?
            var nLength: Int32 = 0
            var eLength: Int32 = 0
            guard samtak_rsa_components(pointer, &n, &nLength, &e, &eLength) == 1, let n, let e else { return [:] }
            defer {
                CRYPTO_free(n, #fileID, #line)
                CRYPTO_free(e, #fileID, #line)
            }
            return ["kty": "RSA", "n": Base64URL.encode(UnsafeBufferPointer(start: n, count: Int(nLength))),
                    "e": Base64URL.encode(UnsafeBufferPointer(start: e, count: Int(eLength)))]
        }
    }

    /// The RFC 7638 thumbprint (SHA-256 of the required members in lexicographic order,
    /// base64url): a stable `kid` for a key.
    public var thumbprint: String {
        let parameters = jwkParameters
        let members: [String] = switch type {
        case .ec: ["crv", "kty", "x", "y"]
        case .rsa: ["e", "kty", "n"]
        }
        // The values are base64url or fixed names: no escaping is ever needed.
        let canonical = "{" + members.map { "\"\($0)\":\"\(parameters[$0] ?? "")\"" }.joined(separator: ",") + "}"
        return Base64URL.encode(Crypto.sha256(canonical))
    }

    /// SubjectPublicKeyInfo PEM.
    public var pem: String { Self.pemText(pointer, privatePart: false) }

    public var description: String { "\(type.rawValue) public key (\(bits) bits, \(thumbprint))" }

    static func pemText(_ pointer: OpaquePointer, privatePart: Bool) -> String {
        var out: UnsafeMutablePointer<CChar>?
        let length = samtak_key_to_pem(pointer, privatePart ? 1 : 0, &out)
        guard length > 0, let out else { return "" }
        defer { CRYPTO_free(out, #fileID, #line) }
        return String(decoding: UnsafeRawBufferPointer(start: out, count: Int(length)), as: UTF8.self)
    }
}

/// A P-256 private key for ES256 signatures (RFC 7518 §3.4: raw r||s, 64 bytes).
public final class ES256PrivateKey: @unchecked Sendable {
    let pointer: OpaquePointer
    public let publicKey: PublicKey

    private init?(taking pointer: OpaquePointer?) {
        guard let pointer else { return nil }
        guard samtak_key_is_p256(pointer) == 1 else {
            EVP_PKEY_free(pointer)
            return nil
        }
        var x = [UInt8](repeating: 0, count: 32)
        var y = [UInt8](repeating: 0, count: 32)
        guard samtak_p256_coordinates(pointer, &x, &y) == 1, let publicKey = PublicKey(p256X: x, y: y) else {
            EVP_PKEY_free(pointer)
            return nil
        }
        self.pointer = pointer
        self.publicKey = publicKey
    }

    deinit { EVP_PKEY_free(pointer) }

    /// The key in PEM text (PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY"); nil unless the
    /// text holds a P-256 private key.
    public convenience init?(pem: String) {
        let bytes = Array(pem.utf8)
        let pointer = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { samtak_private_key_from_pem($0.baseAddress, $0.count) }
        }
        self.init(taking: pointer)
    }

    /// A new random key.
    public static func generate() -> ES256PrivateKey {
        guard let key = ES256PrivateKey(taking: samtak_generate_p256()) else { preconditionFailure("P-256 key generation failed") }
        return key
    }

    /// PKCS#8 PEM of the private key.
    public var pem: String { PublicKey.pemText(pointer, privatePart: true) }

    /// The ES256 signature of `message`: SHA-256, ECDSA, r||s.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("out of memory") }
        defer { EVP_MD_CTX_free(context) }
        var length = 0
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, pointer) == 1,
              EVP_DigestSign(context, nil, &length, message, message.count) == 1
        else { preconditionFailure("ECDSA signing failed to start") }
        var der = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &der, &length, message, message.count) == 1 else { preconditionFailure("ECDSA signing failed") }
        var raw = [UInt8](repeating: 0, count: 64)
        guard samtak_ecdsa_der_to_raw(der, length, &raw) == 1 else { preconditionFailure("ECDSA signature conversion failed") }
        return raw
    }
}
