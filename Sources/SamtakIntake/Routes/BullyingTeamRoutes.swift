/// # Beredskap mot mobbing (issue 18, seed 003)
///
/// A team around one pupil with a named person responsible for the follow-up; the formal
/// responsibility is the rektor's and delegable. The rules are ``BullyingTeam`` (SamtakDomain),
/// the SQL ``BullyingTeamStore``. Only staff of the pupil's own school see or change a team;
/// anyone else gets 404, whether it exists or not.
import Foundation
import Hummingbird
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

struct BullyingTeamRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.post("bullying-teams", use: establish)
        group.get("bullying-teams", use: list)
        group.get("bullying-teams/{id}", use: get)
        group.post("bullying-teams/{id}/delegation", use: delegate)
    }

    struct PersonRef: Codable, Sendable {
        var id: UUID
        var name: String
    }

    struct DelegationResource: Codable, Sendable {
        var delegatedBy: PersonRef
        var delegatedTo: PersonRef
        var delegatedAt: Date
    }

    struct TeamResource: Codable, Sendable {
        var id: UUID
        var child: PersonRef
        var schoolUnitId: UUID
        var schoolName: String
        /// The named person responsible for the follow-up.
        var responsible: PersonRef
        /// Who holds the formal responsibility now: the rektor, or whom the rektor delegated to.
        var formallyResponsible: PersonRef
        var members: [PersonRef]
        /// The history of the formal responsibility, oldest first.
        var delegations: [DelegationResource]
        var createdAt: Date
        /// The caller is a rektor of the school and may delegate.
        var mayDelegate: Bool
    }

    struct EstablishBody: StrictRequestBody {
        var childId: UUID
        var responsibleId: UUID
        var memberIds: [UUID]?
    }

    struct DelegateBody: StrictRequestBody {
        var toPersonId: UUID
    }

    /// ``BullyingTeam/maySee(_:school:responsible:formallyResponsible:createdBy:members:)`` for a stored team.
    static func maySee(_ principal: Principal, _ row: BullyingTeamStore.Row) -> Bool {
        BullyingTeam.maySee(principal, school: row.schoolUnitId, responsible: row.responsibleId, formallyResponsible: row.formallyResponsibleId,
                            createdBy: row.createdBy, members: row.members)
    }

    static func resource(_ row: BullyingTeamStore.Row, caller: Principal, on connection: PostgresConnection) throws -> TeamResource {
        let ids = [row.responsibleId, row.formallyResponsibleId] + row.members + row.delegations.flatMap { [$0.by, $0.to] }
        let names = try BullyingTeamStore.names(ids, on: connection)
        func ref(_ id: UUID) -> PersonRef { PersonRef(id: id, name: names[id] ?? "") }
        return TeamResource(
            id: row.id, child: PersonRef(id: row.childId, name: row.childName), schoolUnitId: row.schoolUnitId, schoolName: row.schoolName,
            responsible: ref(row.responsibleId), formallyResponsible: ref(row.formallyResponsibleId),
            members: row.members.map(ref).sorted { $0.name < $1.name },
            delegations: row.delegations.map { DelegationResource(delegatedBy: ref($0.by), delegatedTo: ref($0.to), delegatedAt: $0.at) },
            createdAt: row.createdAt, mayDelegate: BullyingTeam.isRektor(caller, school: row.schoolUnitId))
    }

    /// Staff of the pupil's own school set up the team; the rektor holds the formal
    /// responsibility from the start. `bullying_team.established`; the pupil's name in the
    /// answer is logged (basis own unit).
    @Sendable func establish(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let (body, raw) = try await APIJSON.decode(EstablishBody.self, from: request)
        var violations = Violations()
        violations.require((body.memberIds ?? []).count <= 30, "member_ids", "max_items", "at most 30 members")
        try violations.throwIfAny()
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let child = try BullyingTeamStore.child(body.childId, on: connection),
                  BullyingTeam.worksAtSchool(principal, school: child.unitId), let school = child.unitId
            else { throw Problem.notFound("Child") }
            let members = body.memberIds ?? []
            let people = try BullyingTeamStore.people([body.responsibleId] + members, on: connection)
            let rektor = try BullyingTeamStore.rektor(of: school, on: connection)
            let refused = BullyingTeam.establishViolations(
                school: school, responsible: people[body.responsibleId],
                members: members.enumerated().map { (field: "member_ids[\($0.offset)]", person: people[$0.element]) }, rektor: rektor)
            guard refused.isEmpty, let rektor else { throw Problem.refused(refused) }
            let id = UUID()
            try BullyingTeamStore.insert(id: id, child: child.id, school: school, responsible: body.responsibleId, formallyResponsible: rektor,
                                         members: members, by: principal.personId, on: connection)
            try outbox.append(BullyingTeamEstablished(teamId: id, childId: child.id), on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "bullying_team", resourceId: id,
                                 childId: child.id, basis: .ownUnit, requestId: context.id)
            guard let row = try BullyingTeamStore.team(id, on: connection) else { throw Problem.notFound("Bullying team") }
            return try MutationResult(Self.resource(row, caller: principal, on: connection), status: .created, location: "/v1/bullying-teams/\(id)")
        }
    }

    struct ListResource: Codable, Sendable {
        var items: [TeamResource]
    }

    /// A pupil's teams (`?child_id=`, required), newest first: for staff of the pupil's own
    /// school (404 for anyone else) the teams they may see (``BullyingTeam/maySee``); each team
    /// shown is logged.
    @Sendable func list(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        guard let raw = request.query("child_id") else { throw Problem.field("child_id", "required", "is required") }
        guard let childId = UUID(uuidString: raw) else { throw Problem.field("child_id", "format", "must be a UUID") }
        let resource = try await environment.read(context) { connection, principal -> ListResource? in
            guard let child = try BullyingTeamStore.child(childId, on: connection),
                  BullyingTeam.worksAtSchool(principal, school: child.unitId) else { return nil }
            var items: [TeamResource] = []
            for id in try BullyingTeamStore.teamIds(child: childId, on: connection) {
                guard let row = try BullyingTeamStore.team(id, on: connection), Self.maySee(principal, row) else { continue }
                try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "bullying_team", resourceId: id,
                                     childId: childId, basis: .ownUnit, requestId: context.id)
                items.append(try Self.resource(row, caller: principal, on: connection))
            }
            return ListResource(items: items)
        }
        guard let resource else { throw Problem.notFound("Child") }
        return try APIJSON.response(resource)
    }

    @Sendable func get(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "bullying team")
        let resource = try await environment.read(context) { connection, principal -> TeamResource? in
            guard let row = try BullyingTeamStore.team(id, on: connection), Self.maySee(principal, row) else { return nil }
            try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "bullying_team", resourceId: id,
                                 childId: row.childId, basis: .ownUnit, requestId: context.id)
            return try Self.resource(row, caller: principal, on: connection)
        }
        guard let resource else { throw Problem.notFound("Bullying team") }
        return try APIJSON.response(resource)
    }

    /// A rektor of the pupil's school delegates the formal responsibility (or takes it back):
    /// who, to whom and when is kept. `bullying_team.responsibility_delegated`.
    @Sendable func delegate(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "bullying team")
        let (body, raw) = try await APIJSON.decode(DelegateBody.self, from: request)
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let row = try BullyingTeamStore.team(id, lock: true, on: connection),
                  BullyingTeam.worksAtSchool(principal, school: row.schoolUnitId) else { throw Problem.notFound("Bullying team") }
            guard BullyingTeam.isRektor(principal, school: row.schoolUnitId) else {
                throw Problem.forbidden("only the school's rektor delegates the formal responsibility")
            }
            let target = try BullyingTeamStore.people([body.toPersonId], on: connection)[body.toPersonId]
            let refused = BullyingTeam.delegationViolations(school: row.schoolUnitId, currentlyResponsible: row.formallyResponsibleId, target: target)
            if !refused.isEmpty {
                throw Problem.refused(refused)
            }
            try BullyingTeamStore.delegate(id, by: principal.personId, to: body.toPersonId, on: connection)
            try outbox.append(BullyingResponsibilityDelegated(teamId: id, childId: row.childId), on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .update, resource: "bullying_team", resourceId: id,
                                 childId: row.childId, basis: .ownUnit, requestId: context.id)
            guard let updated = try BullyingTeamStore.team(id, on: connection) else { throw Problem.notFound("Bullying team") }
            return try MutationResult(Self.resource(updated, caller: principal, on: connection))
        }
    }
}

extension Problem {
    /// A 422 for what a domain rule refused (each violation names its field).
    static func refused(_ violations: [ConsentViolation]) -> Problem {
        Problem.validation(violations.map { .init(field: $0.field, rule: $0.rule, message: $0.message) })
    }
}
