import Foundation
import Hummingbird
import Logging
import SamtakDomain
import SamtakPostgres
import Synchronization

/// Verifies the bearer token and loads the caller's roles. 401 for a missing, malformed,
/// expired or forged token, and for a person who is not (or no longer) active.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = IntakeRequestContext
    let environment: IntakeEnvironment

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw Problem.unauthorized
        }
        let raw = header.dropFirst("Bearer ".count)
        // Trimmed only when there is white space at all (Foundation's trimming is not cheap).
        let token = raw.unicodeScalars.contains(where: \.isTrimmedSpace)
            ? String(raw).trimmingCharacters(in: .whitespaces) : String(raw)
        let claims: JWTSigner.Claims
        do {
            claims = try environment.verifier.verify(token)
        } catch {
            throw Problem(.unauthorized, code: "unauthorized", title: "A valid bearer token is required", detail: error.description)
        }
        guard let personId = UUID(uuidString: claims.sub) else {
            throw Problem(.unauthorized, code: "unauthorized", title: "A valid bearer token is required", detail: "the token's subject is not a person id")
        }
        guard let principal = try await environment.principals.principal(personId, pool: environment.pool) else {
            throw Problem(.unauthorized, code: "unauthorized", title: "A valid bearer token is required", detail: "the token's person is not active")
        }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "person_id"] = "\(personId)"
        return try await next(request, context)
    }
}

/// Principals for a few seconds, so a burst of requests costs one lookup. Role changes take
/// effect within `ttl`.
final class PrincipalCache: Sendable {
    private let entries = Mutex<[UUID: (principal: Principal?, at: ContinuousClock.Instant)]>([:])
    let ttl: Duration = .seconds(5)

    func principal(_ personId: UUID, pool: PostgresPool) async throws -> Principal? {
        let now = ContinuousClock.now
        if let cached = entries.withLock({ $0[personId] }), now - cached.at < ttl { return cached.principal }
        let principal = try await pool.withConnection { connection in
            try Self.load(personId, on: connection)
        }
        entries.withLock { entries in
            if entries.count > 10_000 { entries.removeAll(keepingCapacity: true) }
            entries[personId] = (principal, now)
        }
        return principal
    }

    func invalidate(_ personId: UUID) {
        _ = entries.withLock { $0.removeValue(forKey: personId) }
    }

    static func load(_ personId: UUID, on connection: PostgresConnection) throws -> Principal? {
        let rows = try connection.query(SQL("""
            SELECT p.kind, m.unit_id, u.service, m.role
            FROM people p
            LEFT JOIN memberships m ON m.person_id = p.id
            LEFT JOIN units u ON u.id = m.unit_id AND u.active
            WHERE p.id = \(personId) AND p.active
            """).prepared)
        guard let first = rows.first, let kind = PersonKind(rawValue: try first.decode(String.self, 0)) else { return nil }
        var memberships: [Principal.Membership] = []
        for row in rows {
            guard let unitId = try row.decode(UUID?.self, 1),
                  let service = try row.decode(String?.self, 2).flatMap(ServiceKind.init(rawValue:)),
                  let role = try row.decode(String?.self, 3).flatMap(Role.init(rawValue:))
            else { continue }
            memberships.append(.init(unitId: unitId, service: service, role: role))
        }
        return Principal(personId: personId, kind: kind, memberships: memberships)
    }
}

extension Principal {
    /// 403 unless the caller administers the register.
    func requireAdministrator(_ detail: String = "only administrators may change the register") throws {
        guard isAdministrator else { throw Problem.forbidden(detail) }
    }
}
