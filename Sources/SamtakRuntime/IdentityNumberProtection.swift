import COpenSSLCrypto
import Foundation

/// How Samtak keeps national identity numbers (fødselsnummer, D-number): never in plain
/// text in a column, so no error, constraint message or database log can carry one.
///
/// - `lookupHash`: HMAC-SHA256 of the 11 ASCII digits under `SAMTAK_IDENTITY_HASH_KEY`. Equal
///   numbers give equal hashes, so it is the column that is unique and searched (a child
///   registered twice, a citizen's `pid` at sign-in matched against guardians and young
///   people). Without the key the hash cannot be tested against the ~4·10⁸ valid numbers.
/// - `seal` / `open`: AES-256-GCM under a key derived from `SAMTAK_IDENTITY_ENCRYPTION_KEY`,
///   for the rare reader that needs the number itself. Layout: version byte `1`, 12-byte
///   random nonce, ciphertext, 16-byte tag.
///
/// Both keys are secrets (`NAME` or `NAME_FILE`), at least 32 bytes; production refuses the
/// development defaults. Changing the hash key makes every stored hash unfindable: it is
/// rotated only with a re-hash of the sealed values (`open` with the old key, hash with the new).
public struct IdentityNumberProtection: Sendable {
    public static let developmentHashKey = "samtak-development-identity-hash-key-not-for-production"
    public static let developmentEncryptionKey = "samtak-development-identity-encryption-key-not-for-production"

    let hashKey: [UInt8]
    let encryptionKey: [UInt8]

    public init(hashKey: String, encryptionKey: String) {
        self.hashKey = Array(hashKey.utf8)
        // The AES key is derived, so the setting may be any string of 32 bytes or more.
        self.encryptionKey = Self.hmacSHA256(key: Array(encryptionKey.utf8), message: Array("samtak identity encryption v1".utf8))
    }

    /// From `SAMTAK_IDENTITY_HASH_KEY` and `SAMTAK_IDENTITY_ENCRYPTION_KEY` (or their `_FILE`).
    public init(environment: [String: String]) throws(ConfigurationError) {
        let reader = EnvironmentReader(environment)
        let mode: RuntimeMode = try reader.choice("SAMTAK_ENV", default: .development)
        self.init(
            hashKey: try reader.secret("SAMTAK_IDENTITY_HASH_KEY", developmentDefault: Self.developmentHashKey, mode: mode),
            encryptionKey: try reader.secret("SAMTAK_IDENTITY_ENCRYPTION_KEY", developmentDefault: Self.developmentEncryptionKey, mode: mode)
        )
    }

    /// The keyed hash of an identity number given as its 11 digits (32 bytes).
    public func lookupHash(digits: String) -> [UInt8] {
        Self.hmacSHA256(key: hashKey, message: Array(digits.utf8))
    }

    /// The number encrypted, for storing.
    public func seal(digits: String) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: 12)
        guard RAND_bytes(&nonce, Int32(nonce.count)) == 1 else { preconditionFailure("the system's random source failed") }
        let plaintext = Array(digits.utf8)
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + 16)
        var tag = [UInt8](repeating: 0, count: 16)
        let context = EVP_CIPHER_CTX_new()
        defer { EVP_CIPHER_CTX_free(context) }
        var length: Int32 = 0
        var total = 0
        let ok = EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, encryptionKey, nonce) == 1
            && EVP_EncryptUpdate(context, &ciphertext, &length, plaintext, Int32(plaintext.count)) == 1
            && { total = Int(length); return true }()
            && ciphertext.withUnsafeMutableBufferPointer { buffer in
                EVP_EncryptFinal_ex(context, buffer.baseAddress! + total, &length) == 1
            }
            && EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, 16, &tag) == 1
        precondition(ok, "AES-256-GCM encryption failed")
        total += Int(length)
        return [1] + nonce + ciphertext.prefix(total) + tag
    }

    /// The digits of a sealed number; nil when the value was not sealed with this key or was
    /// altered.
    public func open(_ sealed: [UInt8]) -> String? {
        guard sealed.count > 1 + 12 + 16, sealed[0] == 1 else { return nil }
        let nonce = Array(sealed[1..<13])
        let ciphertext = Array(sealed[13..<(sealed.count - 16)])
        var tag = Array(sealed.suffix(16))
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count + 16)
        let context = EVP_CIPHER_CTX_new()
        defer { EVP_CIPHER_CTX_free(context) }
        var length: Int32 = 0
        guard EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, encryptionKey, nonce) == 1,
              EVP_DecryptUpdate(context, &plaintext, &length, ciphertext, Int32(ciphertext.count)) == 1
        else { return nil }
        let total = Int(length)
        guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, 16, &tag) == 1,
              plaintext.withUnsafeMutableBufferPointer({ EVP_DecryptFinal_ex(context, $0.baseAddress! + total, &length) }) == 1
        else { return nil }
        return String(decoding: plaintext.prefix(total + Int(length)), as: UTF8.self)
    }

    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = HMAC(EVP_sha256(), key, Int32(key.count), message, message.count, &out, &length)
        return Array(out.prefix(Int(length)))
    }
}
