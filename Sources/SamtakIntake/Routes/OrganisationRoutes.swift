import Foundation
import Hummingbird
import SamtakDomain
import SamtakPostgres

/// The municipality's register: units (services' schools, kindergartens, offices), the
/// people who work there and their roles. Administrators change it; every authenticated
/// user can read units and staff (names and roles of public servants, no children).
struct OrganisationRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.get("me", use: me)
        group.post("units", use: createUnit)
        group.get("units", use: listUnits)
        group.get("units/{id}", use: getUnit)
        group.post("people", use: createPerson)
        group.get("people", use: listPeople)
        group.get("people/{id}", use: getPerson)
        group.post("people/{id}/memberships", use: addMembership)
    }

    // MARK: Bodies and resources

    struct UnitBody: StrictRequestBody {
        var name: String
        var service: ServiceKind
        var parentId: UUID?
    }

    struct UnitResource: Codable, Sendable {
        var id: UUID
        var name: String
        var service: ServiceKind
        var parentId: UUID?
        var active: Bool
        var createdAt: Date
    }

    struct MembershipBody: StrictRequestBody {
        var unitId: UUID
        var role: Role
        var title: String?
    }

    struct PersonBody: StrictRequestBody {
        var kind: PersonKind?
        var name: String
        var email: String?
        var memberships: [MembershipBody]?
    }

    struct MembershipResource: Codable, Sendable {
        var unitId: UUID
        var unitName: String
        var service: ServiceKind
        var role: Role
        var title: String
    }

    struct PersonResource: Codable, Sendable {
        var id: UUID
        var kind: PersonKind
        var name: String
        var email: String?
        var memberships: [MembershipResource]
        var createdAt: Date
    }

    struct MeResource: Codable, Sendable {
        var id: UUID
        var kind: PersonKind
        var name: String
        var administrator: Bool
        var memberships: [MembershipResource]
    }

    // MARK: Handlers

    @Sendable func me(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let me = try await environment.read(context) { connection, principal in try Self.me(principal, on: connection) }
        guard let me else { throw Problem.unauthorized }
        return try APIJSON.response(me)
    }

    /// The caller as `GET /v1/me` (and `/v1/me/tasks`) shows it; nil when not an active person.
    static func me(_ principal: Principal, on connection: PostgresConnection) throws -> MeResource? {
        try loadPerson(principal.personId, on: connection).map {
            MeResource(id: $0.id, kind: $0.kind, name: $0.name, administrator: principal.isAdministrator, memberships: $0.memberships)
        }
    }

    @Sendable func createUnit(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        try context.requirePrincipal().requireAdministrator()
        let (body, raw) = try await APIJSON.decode(UnitBody.self, from: request)
        var violations = Violations()
        violations.text(body.name, "name", max: 200)
        try violations.throwIfAny()
        return try await environment.mutate(request, context: context, body: raw) { connection, _ in
            if let parent = body.parentId, try !OrganisationStore.unitExists(parent, on: connection) {
                throw Problem.field("parent_id", "not_found", "is not a registered unit")
            }
            let id = UUID()
            let createdAt = try OrganisationStore.insertUnit(id, name: body.name.trimmed, service: body.service, parentId: body.parentId, on: connection)
            let unit = UnitResource(id: id, name: body.name.trimmed, service: body.service, parentId: body.parentId, active: true, createdAt: createdAt)
            return try MutationResult(unit, status: .created, location: "/v1/units/\(id)")
        }
    }

    @Sendable func listUnits(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let page = try PageRequest(request: request)
        let service = try request.query("service").map { raw in
            guard let service = ServiceKind(rawValue: raw) else { throw Problem.field("service", "enum", "is not a known service code") }
            return service
        }
        let rows = try await environment.read(context) { connection, _ in
            try OrganisationStore.units(service: service, after: page.keysetCondition(), limit: page.limit + 1, on: connection).map { unit in
                (item: unit, createdAt: unit.createdAt, id: unit.id)
            }
        }
        return try APIJSON.response(Page(rows: rows, limit: page.limit))
    }

    @Sendable func getUnit(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "unit")
        let unit = try await environment.read(context) { connection, _ in
            try OrganisationStore.unit(id, on: connection)
        }
        guard let unit else { throw Problem.notFound("Unit") }
        return try APIJSON.response(unit)
    }

    @Sendable func createPerson(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        try context.requirePrincipal().requireAdministrator()
        let (body, raw) = try await APIJSON.decode(PersonBody.self, from: request)
        var violations = Violations()
        violations.text(body.name, "name", max: 200)
        if let email = body.email { Self.validateEmail(email, field: "email", into: &violations) }
        let kind = body.kind ?? .staff
        if kind != .staff { violations.add("kind", "enum", "people other than staff are registered with a child (guardians) or as a young person") }
        try violations.throwIfAny()
        return try await environment.mutate(request, context: context, body: raw) { connection, _ in
            let id = UUID()
            try OrganisationStore.insertPerson(id, kind: kind, name: body.name.trimmed, email: body.email, on: connection)
            for (index, membership) in (body.memberships ?? []).enumerated() {
                try Self.insertMembership(membership, personId: id, field: "memberships[\(index)]", on: connection)
            }
            guard let person = try Self.loadPerson(id, on: connection) else { throw Problem.notFound("Person") }
            return try MutationResult(person, status: .created, location: "/v1/people/\(id)")
        }
    }

    @Sendable func listPeople(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let page = try PageRequest(request: request)
        let unitId: UUID? = try request.query("unit_id").map { raw in
            guard let id = UUID(uuidString: raw) else { throw Problem.field("unit_id", "format", "must be a UUID") }
            return id
        }
        let rows = try await environment.read(context) { connection, _ in
            let ids = try OrganisationStore.staffIds(unitId: unitId, after: page.keysetCondition(createdAt: "p.created_at", id: "p.id"),
                                                     limit: page.limit + 1, on: connection)
            return try ids.compactMap { id in try Self.loadPerson(id, on: connection) }.map { (item: $0, createdAt: $0.createdAt, id: $0.id) }
        }
        return try APIJSON.response(Page(rows: rows, limit: page.limit))
    }

    @Sendable func getPerson(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "person")
        let person = try await environment.read(context) { connection, principal -> PersonResource? in
            guard let person = try Self.loadPerson(id, on: connection) else { return nil }
            // Staff are public servants; other people only to themselves (guardians are read through their child).
            return person.kind == .staff || person.id == principal.personId ? person : nil
        }
        guard let person else { throw Problem.notFound("Person") }
        return try APIJSON.response(person)
    }

    @Sendable func addMembership(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        try context.requirePrincipal().requireAdministrator()
        let id = try request.uuidParameter("id", context: context, resource: "person")
        let (body, raw) = try await APIJSON.decode(MembershipBody.self, from: request)
        let response = try await environment.mutate(request, context: context, body: raw) { connection, _ in
            guard try OrganisationStore.isStaff(id, on: connection) else {
                throw Problem.notFound("Person")
            }
            try Self.insertMembership(body, personId: id, field: "", on: connection)
            guard let person = try Self.loadPerson(id, on: connection) else { throw Problem.notFound("Person") }
            return try MutationResult(person, status: .created, location: "/v1/people/\(id)")
        }
        environment.principals.invalidate(id)
        return response
    }

    // MARK: Persistence

    static func insertMembership(_ membership: MembershipBody, personId: UUID, field: String, on connection: PostgresConnection) throws {
        let prefix = field.isEmpty ? "" : "\(field)."
        if let title = membership.title, title.count > 100 {
            throw Problem.field("\(prefix)title", "max_length", "must be at most 100 characters")
        }
        guard try OrganisationStore.unitExists(membership.unitId, on: connection) else {
            throw Problem.field("\(prefix)unit_id", "not_found", "is not a registered unit")
        }
        if try !OrganisationStore.insertMembership(personId: personId, unitId: membership.unitId, role: membership.role, title: membership.title ?? "",
                                                   on: connection) {
            throw Problem.conflict("membership_exists", "the person already has this role in this unit")
        }
    }

    static func loadPerson(_ id: UUID, on connection: PostgresConnection) throws -> PersonResource? {
        try OrganisationStore.person(id, on: connection)
    }

    static func validateEmail(_ email: String, field: String, into violations: inout Violations) {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        let valid = email.count <= 254 && parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && !email.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," || $0 == ";" })
        if !valid { violations.add(field, "format", "must be an e-mail address") }
    }
}

extension String {
    /// Without leading and trailing white space: what `trimmingCharacters(in:
    /// .whitespacesAndNewlines)` gives (that set is Unicode's White_Space property plus
    /// U+200B, checked against Foundation for every scalar), without Foundation's detour
    /// through NSString, which cost 6 % of POST /v1/cases; a string with nothing to trim is
    /// returned as it is.
    var trimmed: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.isTrimmedSpace }),
              let last = scalars.lastIndex(where: { !$0.isTrimmedSpace })
        else { return "" }
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return self }
        return String(scalars[first...last])
    }
}

extension Unicode.Scalar {
    /// In Foundation's `CharacterSet.whitespacesAndNewlines`.
    var isTrimmedSpace: Bool { properties.isWhitespace || value == 0x200B }
}
