import Foundation
import Hummingbird
import Logging
import SamtakJOSE
import SamtakRuntime

/// Intake-specific settings.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `SAMTAK_WEB_PUBLIC_KEY` (or `_FILE`) | the development key | PEM public key(s) (P-256) whose ES256 tokens from `samtak-web` are accepted; required in production |
/// | `SAMTAK_JWT_SECRET` (or `_FILE`) | a development secret | HS256 key for development and test tokens, at least 32 bytes; not read in production (`SAMTAK_ENV`), where HS256 tokens are refused |
/// | `SAMTAK_JWT_ISSUER` / `SAMTAK_JWT_AUDIENCE` | `samtak` / `samtak-api` | expected `iss` / `aud` of HS256 tokens |
/// | `SAMTAK_IDENTITY_HASH_KEY` / `SAMTAK_IDENTITY_ENCRYPTION_KEY` (or `_FILE`) | development keys | identity numbers at rest (`IdentityNumberProtection`); refused in production if left at the default |
public struct IntakeConfiguration: Sendable {
    public static let developmentSecret = "samtak-development-secret-not-for-production-use"
    /// HS256 signer of development tokens (`samtak-admin token`, tests). In production it
    /// holds a random key and its tokens are refused anyway.
    public var signer: JWTSigner
    public var identity: IdentityNumberProtection
    /// What the API accepts as a bearer token.
    public var verifier: BearerTokenVerifier

    public init(environment: [String: String]) throws(ConfigurationError) {
        let reader = EnvironmentReader(environment)
        let mode: RuntimeMode = try reader.choice("SAMTAK_ENV", default: .development)
        let issuer = reader.string("SAMTAK_JWT_ISSUER", default: "samtak")
        let audience = reader.string("SAMTAK_JWT_AUDIENCE", default: "samtak-api")
        let webKeys = try WebAccessToken.trustedKeys(reader, mode: mode)
        switch mode {
        case .development:
            let secret = try reader.secret("SAMTAK_JWT_SECRET", developmentDefault: Self.developmentSecret, mode: mode)
            signer = JWTSigner(secret: secret, issuer: issuer, audience: audience)
            verifier = BearerTokenVerifier(hs256: signer, webKeys: webKeys)
        case .production:
            signer = JWTSigner(secret: Crypto.randomToken(bytes: 32), issuer: issuer, audience: audience)
            verifier = BearerTokenVerifier(hs256: nil, webKeys: webKeys)
        }
        identity = try IdentityNumberProtection(environment: environment)
    }

    /// A token for `personId`, valid for `lifetime` (development tokens, tests).
    public func token(for personId: UUID, lifetime: TimeInterval = 30 * 24 * 3600, now: Date = Date()) -> String {
        let issued = Int(now.timeIntervalSince1970)
        return signer.sign(.init(sub: personId.uuidString.lowercased(), iss: signer.issuer, aud: signer.audience,
                                 exp: issued + Int(lifetime), iat: issued))
    }
}

/// The intake service as the executable runs it.
public enum IntakeService {
    public static func run() async throws {
        let host = ServiceHost.start(serviceName: "samtak-intake", defaultHTTPPort: 8080)
        let intake: IntakeConfiguration
        do {
            intake = try IntakeConfiguration(environment: host.configuration.environment)
        } catch {
            host.logger.critical("cannot start", metadata: ["error": "\(error)"])
            exit(2)
        }
        let environment = IntakeEnvironment(pool: host.pool, outbox: host.outbox, verifier: intake.verifier, logger: host.logger,
                                            identity: intake.identity)
        let router = buildIntakeRouter(environment, dependencies: host.dependencies)
        try await host.run(responder: router.buildResponder(), workers: [host.makeRelay()])
    }
}
