/// # Who can be asked around one child (issue 16, the coordinator's pages)
///
/// `GET /v1/children/{id}/coordinator/candidates`: the staff the child's active consents
/// cover (``CoordinatorCandidates``), each with the unit and service through which the
/// consent covers them, and the child's family (guardians with access, the young person when
/// linked). The coordinator's page offers the staff when asking someone to take over; the
/// form calling a samarbeidsmøte or ansvarsgruppe offers both. Staff who may see the child
/// ask (guardians and young people 403, everyone else 404); `staff` is filled only for those
/// who may write the child's coordination log (a school calling a meeting with the guardians
/// alone, without consent, gets the family and no staff). The current coordinator is left
/// out of `staff`. No child's name in the answer; the read is written to the access
/// log (`coordinator_candidates`). No table and no event of its own.
import Foundation
import Hummingbird
import SamtakDomain
import SamtakPostgres
import SamtakRuntime

struct ChildCooperationRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.get("children/{id}/coordinator/candidates", use: candidates)
    }

    struct StaffCandidate: Codable, Sendable {
        var personId: UUID
        var name: String
        var unitId: UUID
        var unitName: String
        var service: ServiceKind
        var role: Role
    }

    struct FamilyCandidate: Codable, Sendable {
        var personId: UUID
        var name: String
        var relation: String
    }

    struct CandidatesResource: Codable, Sendable {
        var childId: UUID
        var staff: [StaffCandidate]
        var family: [FamilyCandidate]
    }

    @Sendable func candidates(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let childId = try request.uuidParameter("id", context: context, resource: "child")
        let resource = try await environment.read(context) { connection, principal -> CandidatesResource in
            // Load the facts in one batch.
            guard let child = try CoordinationStore.child(childId, on: connection),
                  let (basis, consentId) = CoordinationStore.childVisibility(principal, child) else { throw Problem.notFound("Child") }
            guard principal.kind == .staff else { throw Problem.forbidden("staff ask others to take part around the child") }
            let now = Date()
            let writer = CoordinationStore.logAccess(principal, child).canWrite
            let scope = writer ? CoordinatorCandidates.scope(consents: child.consents, childId: childId, at: now) : (services: [], unitIds: [])
            let staff = try ChildCooperationStore.candidateStaff(services: scope.services, unitIds: scope.unitIds, child: child.relations, on: connection)
            let current = try CoordinationStore.activeCoordinator(of: childId, on: connection)
            let family = try ChildCooperationStore.family(child.relations, on: connection)
            // Decide (pure).
            let names = Dictionary(staff.map { ($0.facts.personId, $0) }, uniquingKeysWith: { first, _ in first })
            let eligible = CoordinatorCandidates.eligible(staff.map(\.facts), child: child.relations, consents: child.consents,
                                                          excluding: current?.personId, at: now)
            // Record what is shown.
            try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "coordinator_candidates", resourceId: nil,
                                 childId: childId, basis: basis, consentId: consentId, requestId: context.id)
            return CandidatesResource(
                childId: childId,
                staff: eligible.map { found in
                    StaffCandidate(personId: found.person.personId, name: names[found.person.personId]?.name ?? "",
                                   unitId: found.membership.unitId, unitName: names[found.person.personId]?.unitNames[found.membership.unitId] ?? "",
                                   service: found.membership.service, role: found.membership.role)
                },
                family: family.map { FamilyCandidate(personId: $0.personId, name: $0.name, relation: $0.relation) })
        }
        return try APIJSON.response(resource)
    }
}
