/// # Mine oppgaver
///
/// `GET /v1/me/tasks`: what waits for the caller, in one call (the home page's only one): the
/// follow-up actions of approved minutes they are responsible for (earliest due date first,
/// with `overdue` set when the date has passed in Oslo), the notices sent to them (code and
/// path, never content), the cases they submitted and where each stands (a summary of each,
/// as the case rules let them see it now, each read of a named case logged), the arenas their
/// units run or take part in, and the next meetings of those arenas, and the children the caller is the
/// active coordinator of (`coordinated_children`: ids and codes only; the page asks for each
/// child's name, which the consent decides and the child's read logs).
///
/// A follow-up about a case shows its text only while the caller may see that case in full
/// (``CaseStore/access``); otherwise it is listed without text (`redacted`). Every text shown
/// of a named case is written to the access log.
import Foundation
import Hummingbird
import SamtakDomain
import SamtakPostgres
import SamtakRuntime
import SamtakStore

struct TaskRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.get("me/tasks", use: tasks)
    }

    struct FollowUpResource: Codable, Sendable {
        var id: UUID
        var description: String?
        var redacted: Bool
        var dueDate: LocalDate?
        var overdue: Bool
        var meetingId: UUID
        var meetingStartsAt: Date
        var arenaName: String
        var caseId: UUID?
    }

    struct NoticeResource: Codable, Sendable {
        var id: UUID
        var notice: String
        var path: String
        var createdAt: Date
    }

    struct ArenaResource: Codable, Sendable {
        var id: UUID
        var name: String
    }

    struct MeetingResource: Codable, Sendable {
        var id: UUID
        var arenaName: String
        var startsAt: Date
        var status: MeetingStatus
    }

    struct CoordinatedChildResource: Codable, Sendable {
        var childId: UUID
        var kind: CoordinatorKind
        /// The child's name where the access rules let the caller see the child (logged).
        var name: String?
    }

    /// A case I submitted, as the home page lists it: what the list shows of each (the title is
    /// the anonymous form unless I see the case in full, as in ``CaseResource``), where it
    /// stands, and the meeting it is placed on. The case's own page (`GET /v1/cases/{id}`)
    /// has the rest; a list of 20 full cases was 15 kB, and its encoding a tenth of the CPU
    /// under the home page's load.
    struct CaseSummaryResource: Codable, Sendable {
        var id: UUID
        var category: String
        var kind: CaseKind
        var status: CaseStatus
        var urgent: Bool
        var title: String
        var scheduled: CaseResource.Scheduling?
        var visibility: String
        var updatedAt: Date

        init(_ resource: CaseResource) {
            id = resource.id; category = resource.category; kind = resource.kind; status = resource.status; urgent = resource.urgent
            title = resource.title; scheduled = resource.scheduled; visibility = resource.visibility; updatedAt = resource.updatedAt
        }
    }

    struct TasksResource: Codable, Sendable {
        /// The caller, as `GET /v1/me` gives it: the home page needs no second call.
        var person: OrganisationRoutes.MeResource
        var followUps: [FollowUpResource]
        var notices: [NoticeResource]
        var cases: [CaseSummaryResource]
        var arenas: [ArenaResource]
        var meetings: [MeetingResource]
        var coordinatedChildren: [CoordinatedChildResource]
    }

    /// The children the caller coordinates (`coordinated`), with each name the access rules
    /// let the caller see (``AccessPolicy/childAccess`` on the facts loaded in one batch, which
    /// the caller may have read ahead: ``childFactsStatements(_:)``); the names shown are
    /// logged in one statement, so the home page needs no call per child.
    static func coordinatedChildren(_ coordinated: [(childId: UUID, kind: CoordinatorKind)], principal: Principal, on connection: PostgresConnection,
                                    requestId: String?) throws -> [CoordinatedChildResource] {
        let ids = coordinated.map(\.childId)
        let relations = try AccessFacts.childRelations(ids, on: connection)
        let consents = try AccessFacts.consents(ids, on: connection)
        let names = try ChildStore.names(ids, on: connection)
        var disclosures = Disclosures()
        let now = Date()
        let resources = coordinated.map { child -> CoordinatedChildResource in
            var resource = CoordinatedChildResource(childId: child.childId, kind: child.kind)
            guard let relation = relations[child.childId] else { return resource }
            let decision = AccessPolicy.childAccess(principal: principal, child: relation, consents: consents[child.childId] ?? [], at: now)
            if decision.canSeeChild, let basis = decision.basis, let name = names[child.childId] {
                resource.name = name
                disclosures.add(Disclosure(resource: "child", resourceId: child.childId, childId: child.childId, basis: basis,
                                           consentId: decision.consentId))
            }
            return resource
        }
        try AccessLog.record(disclosures, actor: principal.personId, requestId: requestId, on: connection)
        return resources
    }

    /// The statements of ``coordinatedChildren(_:principal:on:requestId:)``'s facts.
    static func childFactsStatements(_ ids: [UUID]) -> [SQL] {
        [AccessFacts.childRelationsStatement(ids), AccessFacts.consentsStatement(ids), ChildStore.namesStatement(ids)].compactMap { $0 }
    }

    @Sendable func tasks(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let resource = try await environment.read(context) { connection, principal -> TasksResource? in
            let today = OsloTime.localDate(at: Date())
            let startOfToday = OsloTime.instant(for: LocalDateTime(date: today, time: LocalTime(hour: 0, minute: 0)!))
            let personId = principal.personId, unitIds = Array(principal.unitIds)
            // Load the facts: what depends only on the caller in one round trip (with BEGIN),
            // what depends on those rows in a second, before any per-row check asks more.
            try connection.prefetch([
                OrganisationStore.personStatement(personId), TaskStore.followUpsStatement(responsible: personId),
                TaskStore.noticesStatement(recipient: personId), TaskStore.submittedCasesStatement(by: personId, limit: 20),
                TaskStore.arenasStatement(ofUnits: unitIds), ChildCooperationStore.coordinatedChildrenStatement(by: personId),
            ].compactMap { $0 })
            guard let person = try OrganisationRoutes.me(principal, on: connection) else { return nil }
            let followUps = try TaskStore.followUps(responsible: personId, on: connection)
            let notices = try TaskStore.notices(recipient: personId, on: connection)
            let submitted = try TaskStore.submittedCases(by: personId, limit: 20, on: connection)
            let arenas = try TaskStore.arenas(ofUnits: unitIds, on: connection)
            let coordinated = try ChildCooperationStore.coordinatedChildren(by: personId, on: connection)
            let arenaIds = arenas.map(\.id)
            try connection.prefetch([TaskStore.nextMeetingsStatement(of: arenaIds, person: personId, from: startOfToday, limit: 6)].compactMap { $0 }
                + Self.childFactsStatements(coordinated.map(\.childId)))
            let meetings = try TaskStore.nextMeetings(of: arenaIds, person: personId, from: startOfToday, limit: 6, on: connection)
            let coordinatedChildren = try Self.coordinatedChildren(coordinated, principal: principal, on: connection, requestId: context.id)
            var items: [FollowUpResource] = []
            for row in followUps {
                // Decide what the caller may see of each (the case rules), and log what is shown.
                var visible = true
                if let caseId = row.caseId {
                    visible = false
                    if let caseRow = try CaseStore.load(caseId, on: connection),
                       case .full(let basis, let consentId) = try CaseStore.access(principal, to: caseRow, on: connection) {
                        visible = true
                        if let childId = caseRow.childId {
                            try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "follow_up_action",
                                                 resourceId: row.id, childId: childId, basis: basis, consentId: consentId, requestId: context.id)
                        }
                    }
                }
                items.append(FollowUpResource(
                    id: row.id, description: visible ? row.description : nil, redacted: !visible, dueDate: row.dueDate,
                    overdue: row.dueDate.map { $0 < today } ?? false, meetingId: row.meetingId, meetingStartsAt: row.meetingStartsAt,
                    arenaName: row.arenaName, caseId: visible ? row.caseId : nil))
            }
            // The cases submitted, as the caller may see each now; a named case's read is logged.
            let cases = try CaseStore.readList(submitted, principal: principal, on: connection, requestId: context.id, detailed: false)
                .map(CaseSummaryResource.init)
            // Overdue first, then by due date (the store's order).
            return TasksResource(person: person, followUps: items.filter(\.overdue) + items.filter { !$0.overdue },
                                 notices: notices.map { NoticeResource(id: $0.id, notice: $0.notice, path: $0.path, createdAt: $0.createdAt) },
                                 cases: cases, arenas: arenas.map { ArenaResource(id: $0.id, name: $0.name) },
                                 meetings: meetings.map { MeetingResource(id: $0.id, arenaName: $0.arenaName, startsAt: $0.startsAt, status: $0.status) },
                                 coordinatedChildren: coordinatedChildren)
        }
        guard let resource else { throw Problem.unauthorized }
        return try APIJSON.response(resource)
    }
}
