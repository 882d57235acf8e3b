import Foundation
import SamtakRuntime
import Testing

@Suite("Secrets and identity numbers at rest")
struct RuntimeSecretsTests {
    let protection = IdentityNumberProtection(hashKey: String(repeating: "h", count: 32), encryptionKey: String(repeating: "e", count: 32))

    @Test("the lookup hash is keyed: same number and key give the same hash, another key another")
    func keyedHash() {
        let digits = "15076500565"
        #expect(protection.lookupHash(digits: digits) == protection.lookupHash(digits: digits))
        #expect(protection.lookupHash(digits: digits).count == 32)
        let other = IdentityNumberProtection(hashKey: String(repeating: "x", count: 32), encryptionKey: String(repeating: "e", count: 32))
        #expect(other.lookupHash(digits: digits) != protection.lookupHash(digits: digits))
        #expect(protection.lookupHash(digits: "15076500566") != protection.lookupHash(digits: digits))
    }

    @Test("a sealed number opens with its key only, differs each time, and never contains the digits")
    func sealAndOpen() {
        let digits = "15076500565"
        let first = protection.seal(digits: digits)
        let second = protection.seal(digits: digits)
        #expect(first != second)
        #expect(protection.open(first) == digits)
        #expect(protection.open(second) == digits)
        #expect(!String(decoding: first, as: UTF8.self).contains(digits))
        var altered = first
        altered[altered.count - 20] ^= 1
        #expect(protection.open(altered) == nil)
        let other = IdentityNumberProtection(hashKey: String(repeating: "h", count: 32), encryptionKey: String(repeating: "f", count: 32))
        #expect(other.open(first) == nil)
        #expect(protection.open([]) == nil)
        #expect(protection.open([2] + first.dropFirst()) == nil)
    }

    @Test("a secret comes from NAME or NAME_FILE, never both; production refuses the development default")
    func secrets() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("samtak-secret-\(UUID().uuidString)")
        try Data("from-a-file-that-is-long-enough-for-a-key\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try EnvironmentReader(["K_FILE": file.path]).secret("K") == "from-a-file-that-is-long-enough-for-a-key")
        #expect(try EnvironmentReader(["K": "direct"]).secret("K") == "direct")
        #expect(try EnvironmentReader([:]).secret("K") == nil)
        #expect(throws: ConfigurationError.self) { try EnvironmentReader(["K": "a", "K_FILE": file.path]).secret("K") }
        #expect(throws: ConfigurationError.self) { try EnvironmentReader(["K_FILE": "/nonexistent/samtak"]).secret("K") }

        let development = String(repeating: "d", count: 40)
        #expect(try EnvironmentReader([:]).secret("K", developmentDefault: development, mode: .development) == development)
        #expect(throws: ConfigurationError.self) {
            try EnvironmentReader([:]).secret("K", developmentDefault: development, mode: .production)
        }
        #expect(throws: ConfigurationError.self) {
            try EnvironmentReader(["K": "short"]).secret("K", developmentDefault: development, mode: .development)
        }
        #expect(throws: ConfigurationError.self) {
            try IdentityNumberProtection(environment: ["SAMTAK_ENV": "production"])
        }
        let production = ["SAMTAK_ENV": "production", "SAMTAK_IDENTITY_HASH_KEY": String(repeating: "1", count: 32),
                          "SAMTAK_IDENTITY_ENCRYPTION_KEY": String(repeating: "2", count: 32)]
        #expect(throws: Never.self) { try IdentityNumberProtection(environment: production) }
    }
}
