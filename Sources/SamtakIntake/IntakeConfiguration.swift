import Foundation
import Hummingbird
import Logging
import SamtakRuntime

/// Intake-specific settings.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `SAMTAK_JWT_SECRET` (or `_FILE`) | a development secret | HS256 key for bearer tokens, at least 32 bytes; refused in production (`SAMTAK_ENV`) if left at the default |
/// | `SAMTAK_JWT_ISSUER` / `SAMTAK_JWT_AUDIENCE` | `samtak` / `samtak-api` | expected `iss` / `aud` |
/// | `SAMTAK_IDENTITY_HASH_KEY` / `SAMTAK_IDENTITY_ENCRYPTION_KEY` (or `_FILE`) | development keys | identity numbers at rest (`IdentityNumberProtection`); refused in production if left at the default |
public struct IntakeConfiguration: Sendable {
    public static let developmentSecret = "samtak-development-secret-not-for-production-use"
    public var signer: JWTSigner
    public var identity: IdentityNumberProtection

    public init(environment: [String: String]) throws(ConfigurationError) {
        let reader = EnvironmentReader(environment)
        let mode: RuntimeMode = try reader.choice("SAMTAK_ENV", default: .development)
        let secret = try reader.secret("SAMTAK_JWT_SECRET", developmentDefault: Self.developmentSecret, mode: mode)
        signer = JWTSigner(secret: secret, issuer: reader.string("SAMTAK_JWT_ISSUER", default: "samtak"),
                           audience: reader.string("SAMTAK_JWT_AUDIENCE", default: "samtak-api"))
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
        let environment = IntakeEnvironment(pool: host.pool, outbox: host.outbox, signer: intake.signer, logger: host.logger,
                                            identity: intake.identity)
        let router = buildIntakeRouter(environment, dependencies: host.dependencies)
        try await host.run(responder: router.buildResponder(), workers: [host.makeRelay()])
    }
}
