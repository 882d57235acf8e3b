import Foundation
import SamtakDomain
import SamtakIntake
import SamtakJOSE
import SamtakRuntime
import Testing

/// The tokens samtak-web sends (ES256, at most five minutes, a trusted key) and the HS256
/// development tokens, which production refuses.
@Suite("Intake: tokens from samtak-web, HS256 only outside production")
struct WebTokenTests {
    let person = UUID()

    func payload(iss: String = WebAccessToken.issuer, aud: String = WebAccessToken.audience, iat: Int, exp: Int) -> [UInt8] {
        Array(#"{"aud":"\#(aud)","exp":\#(exp),"iat":\#(iat),"iss":"\#(iss)","jti":"x","sub":"\#(person.uuidString.lowercased())"}"#.utf8)
    }

    @Test("the development configuration accepts the web's ES256 tokens and HS256 development tokens")
    func development() throws {
        let configuration = try IntakeConfiguration(environment: [:])
        #expect(configuration.verifier.acceptsHS256)
        let web = WebAccessToken.sign(personId: person, key: WebAccessToken.developmentSigningKey)
        #expect(try configuration.verifier.verify(web).sub == person.uuidString.lowercased())
        let development = configuration.token(for: person)
        #expect(try configuration.verifier.verify(development).sub == person.uuidString.lowercased())
    }

    @Test("ES256 tokens: untrusted key, longer than five minutes, expired, wrong issuer or audience, alg none are refused")
    func refusals() throws {
        let key = ES256PrivateKey.generate()
        let verifier = BearerTokenVerifier(hs256: nil, webKeys: JWKSet(keys: [WebAccessToken.jwk(key.publicKey)]))
        let now = Int(Date().timeIntervalSince1970)
        let kid = key.publicKey.thumbprint
        #expect(try verifier.verify(JWSSigner.es256(payload: payload(iat: now, exp: now + 300), key: key, kid: kid)).sub
            == person.uuidString.lowercased())
        #expect(throws: JWTSigner.VerificationError.untrustedKey) {
            try verifier.verify(WebAccessToken.sign(personId: person, key: ES256PrivateKey.generate()))
        }
        #expect(throws: JWTSigner.VerificationError.untrustedKey) {
            // The trusted key's kid on a token signed by another key finds the key and fails its signature.
            let other = ES256PrivateKey.generate()
            _ = try verifier.verify(JWSSigner.es256(payload: payload(iat: now, exp: now + 300), key: other, kid: "unknown"))
        }
        #expect(throws: JWTSigner.VerificationError.badSignature) {
            try verifier.verify(JWSSigner.es256(payload: payload(iat: now, exp: now + 300), key: ES256PrivateKey.generate(), kid: kid))
        }
        #expect(throws: JWTSigner.VerificationError.tooLongLived) {
            try verifier.verify(JWSSigner.es256(payload: payload(iat: now, exp: now + 301), key: key, kid: kid))
        }
        #expect(throws: JWTSigner.VerificationError.expired) {
            try verifier.verify(JWSSigner.es256(payload: payload(iat: now - 400, exp: now - 100), key: key, kid: kid))
        }
        #expect(throws: JWTSigner.VerificationError.notYetValid) {
            try verifier.verify(JWSSigner.es256(payload: payload(iat: now + 600, exp: now + 900), key: key, kid: kid))
        }
        #expect(throws: JWTSigner.VerificationError.wrongIssuer) {
            try verifier.verify(JWSSigner.es256(payload: payload(iss: "samtak", iat: now, exp: now + 60), key: key, kid: kid))
        }
        #expect(throws: JWTSigner.VerificationError.wrongAudience) {
            try verifier.verify(JWSSigner.es256(payload: payload(aud: "other", iat: now, exp: now + 60), key: key, kid: kid))
        }
        let none = Base64URL.encode(Array(#"{"alg":"none"}"#.utf8)) + "." + Base64URL.encode(payload(iat: now, exp: now + 60)) + "."
        #expect(throws: JWTSigner.VerificationError.unsupportedAlgorithm) { try verifier.verify(none) }
        let noneSigned = none + "c2ln"
        #expect(throws: JWTSigner.VerificationError.unsupportedAlgorithm) { try verifier.verify(noneSigned) }
    }

    @Test("production: HS256 refused (also keyed with the web's public key), no start without a configured web key")
    func production() throws {
        // Production also needs the identity-number keys (refused at their defaults: RuntimeSecretsTests);
        // given here so each refusal below is the web key's.
        let production = ["SAMTAK_ENV": "production", "SAMTAK_IDENTITY_HASH_KEY": String(repeating: "h", count: 32),
                          "SAMTAK_IDENTITY_ENCRYPTION_KEY": String(repeating: "e", count: 32)]
        #expect(throws: ConfigurationError.self) { try IntakeConfiguration(environment: production) }
        #expect(throws: ConfigurationError.self) {
            try IntakeConfiguration(environment: production.merging(["SAMTAK_WEB_PUBLIC_KEY": WebAccessToken.developmentSigningKey.publicKey.pem]) { $1 })
        }
        #expect(throws: ConfigurationError.self) {
            try IntakeConfiguration(environment: production.merging(["SAMTAK_WEB_PUBLIC_KEY": "not a key"]) { $1 })
        }
        let key = ES256PrivateKey.generate()
        let configuration = try IntakeConfiguration(environment: production.merging(["SAMTAK_WEB_PUBLIC_KEY": key.publicKey.pem]) { $1 })
        #expect(!configuration.verifier.acceptsHS256)
        #expect(try configuration.verifier.verify(WebAccessToken.sign(personId: person, key: key)).sub == person.uuidString.lowercased())
        let development = JWTSigner(secret: IntakeConfiguration.developmentSecret).sign(.init(
            sub: person.uuidString, iss: "samtak", aud: "samtak-api", exp: Int(Date().timeIntervalSince1970) + 60, iat: 0))
        #expect(throws: JWTSigner.VerificationError.unsupportedAlgorithm) { try configuration.verifier.verify(development) }
        let confused = JWSSigner.hs256(payload: payload(iat: 0, exp: Int(Date().timeIntervalSince1970) + 60), secret: Array(key.publicKey.pem.utf8))
        #expect(throws: JWTSigner.VerificationError.unsupportedAlgorithm) { try configuration.verifier.verify(confused) }
        // In development the same confusion meets the HS256 secret and fails its signature.
        let developmentVerifier = try IntakeConfiguration(environment: ["SAMTAK_WEB_PUBLIC_KEY": key.publicKey.pem]).verifier
        #expect(throws: JWTSigner.VerificationError.badSignature) { try developmentVerifier.verify(confused) }
        // The web refuses the development signing key in production too.
        #expect(throws: ConfigurationError.self) { try WebAccessToken.signingKey(EnvironmentReader([:]), mode: .production) }
        #expect(throws: ConfigurationError.self) {
            try WebAccessToken.signingKey(EnvironmentReader(["SAMTAK_WEB_SIGNING_KEY": WebAccessToken.developmentSigningKeyPEM]), mode: .production)
        }
        #expect(try WebAccessToken.signingKey(EnvironmentReader(["SAMTAK_WEB_SIGNING_KEY": key.pem]), mode: .production)
            .publicKey.thumbprint == key.publicKey.thumbprint)
    }

    @Test("two web keys trusted at once (rotation): tokens of either verify")
    func rotation() throws {
        let old = ES256PrivateKey.generate()
        let new = ES256PrivateKey.generate()
        let configuration = try IntakeConfiguration(environment: ["SAMTAK_WEB_PUBLIC_KEY": old.publicKey.pem + new.publicKey.pem])
        #expect(try configuration.verifier.verify(WebAccessToken.sign(personId: person, key: old)).sub == person.uuidString.lowercased())
        #expect(try configuration.verifier.verify(WebAccessToken.sign(personId: person, key: new)).sub == person.uuidString.lowercased())
    }

    @Test("GET /v1/me with the web's token through the running API; an expired one is a 401 problem")
    func throughTheAPI() async throws {
        try await withIntake { api in
            let teacher = api.world.person(.school, .teacher)
            let token = WebAccessToken.sign(personId: teacher, key: WebAccessToken.developmentSigningKey)
            let me = try await api.call("GET", "/v1/me", as: nil, headers: ["Authorization": "Bearer \(token)"])
            #expect(me.status == 200)
            #expect(me.string("name") == "Guri Solberg")
            let expired = WebAccessToken.sign(personId: teacher, key: WebAccessToken.developmentSigningKey,
                                              now: Date().addingTimeInterval(-600))
            let refused = try await api.call("GET", "/v1/me", as: nil, headers: ["Authorization": "Bearer \(expired)"])
            #expect(refused.status == 401)
            #expect(refused.headers["content-type"]?.hasPrefix("application/problem+json") == true)
            #expect(!refused.text.contains(expired))
        }
    }
}
