import Foundation
import Hummingbird
import Logging
import SamtakDomain
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
/// | `SAMTAK_CONSENT_ONE_GUARDIAN_SERVICES` | `school,kindergarten,sfo` | services for which one guardian's consent suffices (issue 17; anything else and any arena needs every guardian with parental responsibility) |
/// | `SAMTAK_INNSYN_SHOW_NAMES` | `false` | innsyn names the person who read a child's data (otherwise service, unit and role) |
public struct IntakeConfiguration: Sendable {
    public static let developmentSecret = "samtak-development-secret-not-for-production-use"
    /// HS256 signer of development tokens (`samtak-admin token`, tests). In production it
    /// holds a random key and its tokens are refused anyway.
    public var signer: JWTSigner
    public var identity: IdentityNumberProtection
    /// What the API accepts as a bearer token.
    public var verifier: BearerTokenVerifier
    /// Families (issue 17): `SAMTAK_CONSENT_ONE_GUARDIAN_SERVICES` (comma-separated service
    /// codes for which one guardian's consent suffices; default `school,kindergarten,sfo`) and
    /// `SAMTAK_INNSYN_SHOW_NAMES` (`true`: innsyn names the person who read; default `false`,
    /// service, unit and role only).
    public var family: FamilyPolicy

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
        var family = FamilyPolicy.standard
        let services = reader.string("SAMTAK_CONSENT_ONE_GUARDIAN_SERVICES", default: "")
        if !services.isEmpty {
            var kinds: Set<ServiceKind> = []
            for code in services.split(separator: ",") {
                guard let kind = ServiceKind(rawValue: code.trimmingCharacters(in: .whitespaces)) else {
                    throw ConfigurationError(variable: "SAMTAK_CONSENT_ONE_GUARDIAN_SERVICES", problem: "expected service codes separated by commas")
                }
                kinds.insert(kind)
            }
            family.oneGuardianServices = kinds
        }
        family.innsynShowsNames = try reader.bool("SAMTAK_INNSYN_SHOW_NAMES", default: false)
        self.family = family
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
        try await run(host: host, intake: intake)
    }

    /// The intake on `host` exactly as `main` runs it: the router behind the host's HTTP
    /// server, and the host's outbox relay (woken by the host's pool after each commit that
    /// wrote the outbox). The in-process tests run this too (`IntakeHarness`), with
    /// `onListening` to learn the port; `relaying: false` is for tests that must not publish.
    public static func run(host: ServiceHost, intake: IntakeConfiguration, relaying: Bool = true,
                           onListening: (@Sendable (Int) -> Void)? = nil) async throws {
        let router = router(host: host, intake: intake)
        try await host.run(responder: router.buildResponder(), workers: relaying ? [host.makeRelay()] : [], onListening: onListening)
    }

    /// The router `run` serves.
    public static func router(host: ServiceHost, intake: IntakeConfiguration) -> Router<IntakeRequestContext> {
        let environment = IntakeEnvironment(pool: host.pool, outbox: host.outbox, verifier: intake.verifier, logger: host.logger,
                                            identity: intake.identity, family: intake.family)
        return buildIntakeRouter(environment, dependencies: host.dependencies)
    }
}
