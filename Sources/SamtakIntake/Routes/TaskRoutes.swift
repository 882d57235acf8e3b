/// # Mine oppgaver
///
/// `GET /v1/me/tasks`: what waits for the caller, in one call (the home page's only one): the
/// follow-up actions of approved minutes they are responsible for (earliest due date first,
/// with `overdue` set when the date has passed in Oslo), the notices sent to them (code and
/// path, never content), the cases they submitted and where each stands (as the case rules
/// let them see it now, each read of a named case logged), the arenas their units run or take
/// part in, and the next meetings of those arenas, and the children the caller is the
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

    struct TasksResource: Codable, Sendable {
        /// The caller, as `GET /v1/me` gives it: the home page needs no second call.
        var person: OrganisationRoutes.MeResource
        var followUps: [FollowUpResource]
        var notices: [NoticeResource]
        var cases: [CaseResource]
        var arenas: [ArenaResource]
        var meetings: [MeetingResource]
        var coordinatedChildren: [CoordinatedChildResource]
    }

    /// The children the caller coordinates, with each name the access rules let the caller see
    /// (``AccessPolicy/childAccess`` on the facts loaded in one batch); the names shown are
    /// logged in one statement, so the home page needs no call per child.
    static func coordinatedChildren(_ principal: Principal, on connection: PostgresConnection, requestId: String?) throws -> [CoordinatedChildResource] {
        let coordinated = try ChildCooperationStore.coordinatedChildren(by: principal.personId, on: connection)
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

    @Sendable func tasks(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let resource = try await environment.read(context) { connection, principal -> TasksResource? in
            guard let person = try OrganisationRoutes.me(principal, on: connection) else { return nil }
            // Load the facts.
            let followUps = try TaskStore.followUps(responsible: principal.personId, on: connection)
            let notices = try TaskStore.notices(recipient: principal.personId, on: connection)
            let today = OsloTime.localDate(at: Date())
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
            let cases = try CaseStore.readList(try TaskStore.submittedCases(by: principal.personId, limit: 20, on: connection),
                                               principal: principal, on: connection, requestId: context.id)
            let arenas = try TaskStore.arenas(ofUnits: Array(principal.unitIds), on: connection)
            let startOfToday = OsloTime.instant(for: LocalDateTime(date: today, time: LocalTime(hour: 0, minute: 0)!))
            let meetings = try TaskStore.nextMeetings(of: arenas.map(\.id), person: principal.personId, from: startOfToday, limit: 6, on: connection)
            // Overdue first, then by due date (the store's order).
            return TasksResource(person: person, followUps: items.filter(\.overdue) + items.filter { !$0.overdue },
                                 notices: notices.map { NoticeResource(id: $0.id, notice: $0.notice, path: $0.path, createdAt: $0.createdAt) },
                                 cases: cases, arenas: arenas.map { ArenaResource(id: $0.id, name: $0.name) },
                                 meetings: meetings.map { MeetingResource(id: $0.id, arenaName: $0.arenaName, startsAt: $0.startsAt, status: $0.status) },
                                 coordinatedChildren: try Self.coordinatedChildren(principal, on: connection, requestId: context.id))
        }
        guard let resource else { throw Problem.unauthorized }
        return try APIJSON.response(resource)
    }
}
