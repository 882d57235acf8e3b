import Foundation
import Hummingbird
import Logging
import SamtakDomain
import SamtakJOSE
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import Synchronization

/// The request context: who is calling (after authentication) and the request id.
public struct IntakeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
    public var maxUploadSize: Int { APIJSON.maxBodyBytes }

    /// The authenticated principal (the auth middleware guarantees it on /v1 routes).
    public func requirePrincipal() throws -> Principal {
        guard let principal else { throw Problem.unauthorized }
        return principal
    }
}

/// Everything the intake handlers share.
public struct IntakeEnvironment: Sendable {
    public let pool: PostgresPool
    public let outbox: Outbox
    public let verifier: BearerTokenVerifier
    public let logger: Logger
    /// Keyed hash and seal for identity numbers (`SAMTAK_IDENTITY_*`; development keys by default).
    public let identity: IdentityNumberProtection
    let principals: PrincipalCache
    /// The municipality's children's names for the anonymity screen, reloaded when they change.
    let nameScreens: ChildNameScreens
    /// The municipality's choices for families (issue 17): whose consent, names in innsyn.
    public let family: FamilyPolicy

    public init(pool: PostgresPool, outbox: Outbox, verifier: BearerTokenVerifier, logger: Logger,
                identity: IdentityNumberProtection = IdentityNumberProtection(
                    hashKey: IdentityNumberProtection.developmentHashKey, encryptionKey: IdentityNumberProtection.developmentEncryptionKey),
                family: FamilyPolicy = .standard) {
        self.family = family
        self.pool = pool
        self.outbox = outbox
        self.verifier = verifier
        self.logger = logger
        self.identity = identity
        self.principals = PrincipalCache()
        self.nameScreens = ChildNameScreens()
    }

    /// Accepting the signer's HS256 tokens and the development web key's ES256 tokens (tests).
    public init(pool: PostgresPool, outbox: Outbox, signer: JWTSigner, logger: Logger,
                identity: IdentityNumberProtection = IdentityNumberProtection(
                    hashKey: IdentityNumberProtection.developmentHashKey, encryptionKey: IdentityNumberProtection.developmentEncryptionKey),
                family: FamilyPolicy = .standard) {
        self.init(pool: pool, outbox: outbox,
                  verifier: BearerTokenVerifier(hs256: signer, webKeys: JWKSet(keys: [WebAccessToken.jwk(WebAccessToken.developmentSigningKey.publicKey)])),
                  logger: logger, identity: identity, family: family)
    }
}

/// The intake API's router: health, the OpenAPI document, and the /v1 resources behind
/// bearer authentication. Every error leaves as application/problem+json.
public func buildIntakeRouter(_ environment: IntakeEnvironment, dependencies: Dependencies) -> Router<IntakeRequestContext> {
    let router = Router(context: IntakeRequestContext.self)
    addOperationsRoutes(to: router, dependencies: dependencies, logger: environment.logger)
    router.add(middleware: ProblemMiddleware(logger: environment.logger))
    router.get("/openapi.yaml") { _, _ -> Response in
        jsonResponse(status: .ok, body: OpenAPIDocument.yaml, contentType: "application/yaml")
    }
    router.get("/asyncapi.yaml") { _, _ -> Response in
        jsonResponse(status: .ok, body: AsyncAPIDocument.yaml, contentType: "application/yaml")
    }
    let v1 = router.group("v1").add(middleware: AuthenticationMiddleware(environment: environment))
    OrganisationRoutes(environment).register(on: v1)
    TaskRoutes(environment).register(on: v1)
    ParticipantRoutes(environment).register(on: v1)
    ChildRoutes(environment).register(on: v1)
    ArenaRoutes(environment).register(on: v1)
    CaseRoutes(environment).register(on: v1)
    MeetingRoutes(environment).register(on: v1)
    CoordinationRoutes(environment).register(on: v1)
    IndividualPlanRoutes(environment).register(on: v1)
    CalledMeetingRoutes(environment).register(on: v1)
    TransitionRoutes(environment).register(on: v1)
    TimelineRoutes(environment).register(on: v1)
    FamilyRoutes(environment).register(on: v1)
    ReferralIntakeRoutes(environment).register(on: v1)
    TalkRoutes(environment).register(on: v1)
    ArenaCallRoutes(environment).register(on: v1)
    ChildCooperationRoutes(environment).register(on: v1)
    BullyingTeamRoutes(environment).register(on: v1)
    DiscussionTeamRoutes(environment).register(on: v1)
    return router
}

/// The OpenAPI 3.1 document, served at /openapi.yaml.
public enum OpenAPIDocument {
    public static let yaml = bundledDocument("openapi", fallback: "openapi: 3.1.0\ninfo: {title: Samtak intake API, version: '1'}\npaths: {}\n")
}

/// A YAML document shipped as a resource of this module (or `fallback` if it is missing).
func bundledDocument(_ name: String, fallback: String) -> String {
    guard let url = Bundle.module.url(forResource: name, withExtension: "yaml"),
          let text = try? String(contentsOf: url, encoding: .utf8)
    else { return fallback }
    return text
}

/// The AsyncAPI 3.0 document of the events (topics, types, payload schemas), served at /asyncapi.yaml.
public enum AsyncAPIDocument {
    public static let yaml = bundledDocument("asyncapi", fallback: "asyncapi: 3.0.0\ninfo: {title: Samtak events, version: '1'}\n")
}

/// Turns every error into a problem response: problems as they are, database errors into
/// the right 4xx or a 503, anything else into a 500 without details (logged here with the
/// request id, never with data).
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = IntakeRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return problem.response(instance: Problem.instance(context))
        } catch let error as HTTPError {
            let code = error.status == .notFound ? "not_found" : error.status == .methodNotAllowed ? "method_not_allowed" : "http_\(error.status.code)"
            let title = error.status == .notFound ? "No such resource" : error.status.reasonPhrase
            return Problem(error.status, code: code, title: title).response(instance: Problem.instance(context))
        } catch let error as PostgresError {
            if error.isConnectionFailure || error.kind == .poolTimeout || error.kind == .poolClosed {
                logger.warning("database unavailable", metadata: ["error": "\(error)", "request_id": "\(context.id)"])
                return Problem(.serviceUnavailable, code: "database_unavailable", title: "The database is not available; try again shortly")
                    .response(instance: Problem.instance(context))
            }
            if error.isSerializationFailure {
                return Problem(.conflict, code: "concurrent_update", title: "The record changed concurrently; try again")
                    .response(instance: Problem.instance(context))
            }
            logger.error("database error", metadata: ["error": "\(error)", "request_id": "\(context.id)", "path": "\(context.endpointPath ?? "")"])
            return Problem(.internalServerError, code: "internal", title: "Internal error", detail: "request \(context.id)")
                .response(instance: Problem.instance(context))
        } catch {
            logger.error("unhandled error", metadata: ["error_type": "\(type(of: error))", "request_id": "\(context.id)", "path": "\(context.endpointPath ?? "")"])
            return Problem(.internalServerError, code: "internal", title: "Internal error", detail: "request \(context.id)")
                .response(instance: Problem.instance(context))
        }
    }
}
