/// # The child's timeline
///
/// `GET /v1/children/{id}/timeline`: every step of the cooperation around one child in time
/// order: cases and referrals (with the case they came from), the decisions of approved
/// minutes (with the referral or meeting each created), meetings called around the child,
/// coordinator assignments and handovers, the coordination log (opened, measures, their
/// evaluations, notes, closed) and the individual plan.
///
/// Each entry is shown only on its own basis: a case or referral when the caller may see it
/// in full (``CaseStore/access``), log and plan entries to the log's readers, meetings to
/// their participants and the log's readers, coordinator changes to whoever may see the
/// child. The read is written to the access log. At most 2000 entries (the latest).
import Foundation
import Hummingbird
import SamtakDomain
import SamtakPostgres
import SamtakRuntime

struct TimelineRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.get("children/{id}/timeline", use: timeline)
    }

    struct Entry: Codable, Sendable {
        var at: Date
        var kind: String
        var caseId: UUID?
        var category: String?
        var arenaId: UUID?
        var arenaKind: ArenaKind?
        var targetService: ServiceKind?
        var originCaseId: UUID?
        var decision: CaseDecision?
        var createdCaseId: UUID?
        var createdMeetingId: UUID?
        var meetingId: UUID?
        var startsAt: Date?
        var status: String?
        var coordinatorId: UUID?
        var handoverId: UUID?
        var personId: UUID?
        var fromPersonId: UUID?
        var toPersonId: UUID?
        var logId: UUID?
        var measureId: UUID?
        var noteId: UUID?
        var planId: UUID?
        var summary: String?

        init(at: Date, kind: String) {
            self.at = at
            self.kind = kind
        }
    }

    struct TimelineResource: Codable, Sendable {
        var childId: UUID
        var items: [Entry]
        var truncated: Bool
    }

    static let maximumEntries = 2000

    @Sendable func timeline(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let childId = try request.uuidParameter("id", context: context, resource: "child")
        let resource = try await environment.read(context) { connection, principal in
            let (child, basis, consentId) = try CoordinationStore.visibleChild(childId, principal, on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "timeline", resourceId: nil,
                                 childId: childId, basis: basis, consentId: consentId, requestId: context.id)
            let logReader = CoordinationStore.logAccess(principal, child).canRead
            var entries = try Self.caseEntries(childId, principal: principal, on: connection)
            entries += try Self.meetingEntries(childId, principal: principal, logReader: logReader, on: connection, requestId: context.id)
            entries += try Self.coordinatorEntries(childId, on: connection)
            if logReader { entries += try Self.logEntries(childId, on: connection) }
            entries.sort { $0.at != $1.at ? $0.at < $1.at : $0.kind < $1.kind }
            let truncated = entries.count > Self.maximumEntries
            return TimelineResource(childId: childId, items: Array(entries.suffix(Self.maximumEntries)), truncated: truncated)
        }
        return try APIJSON.response(resource)
    }

    /// Cases and referrals the caller sees in full, and the decisions on them.
    static func caseEntries(_ childId: UUID, principal: Principal, on connection: PostgresConnection) throws -> [Entry] {
        let rows = try CaseStore.cases(ofChild: childId, on: connection)
        var entries: [Entry] = []
        let access = try CaseStore.access(principal, to: rows, on: connection)
        for (row, seen) in zip(rows, access) where seen.canSeeChild {
            var entry = Entry(at: row.createdAt, kind: row.category == "referral" ? "referral.created" : "case.submitted")
            entry.caseId = row.id
            entry.category = row.category
            entry.arenaId = row.arenaId
            entry.targetService = row.targetService
            entry.originCaseId = row.originCaseId
            entry.status = row.status.rawValue
            entry.summary = row.title
            entries.append(entry)
            let decisions = try CaseStore.decisions(on: row.id, on: connection)
            for decision in decisions {
                var entry = Entry(at: decision.approvedAt, kind: "case.decided")
                entry.caseId = row.id
                entry.decision = decision.code
                entry.meetingId = decision.meetingId
                if decision.code == .referToPPT { entry.createdCaseId = decision.referralId }
                if decision.code == .callSamarbeidsmote { entry.createdMeetingId = decision.calledMeetingId }
                entries.append(entry)
            }
        }
        return entries
    }

    /// Meetings called around the child that the caller takes part in, or (for the log's
    /// readers) knows of through the consent.
    static func meetingEntries(_ childId: UUID, principal: Principal, logReader: Bool, on connection: PostgresConnection,
                               requestId: String?) throws -> [Entry] {
        let meetings = try MeetingStore.meetings(aroundChild: childId, on: connection)
        var entries: [Entry] = []
        // Whether the caller takes part is a yes/no check: the timeline shows no agenda, so it records no agenda read.
        for reading in try MeetingRoutes.readings(meetings, principal: principal, on: connection) {
            let meeting = reading.meeting
            guard logReader || reading.view != nil else { continue }
            var entry = Entry(at: meeting.createdAt, kind: "meeting.called")
            entry.meetingId = meeting.id
            entry.arenaId = meeting.arenaId
            entry.arenaKind = meeting.arenaKind
            entry.startsAt = meeting.startsAt
            entry.status = meeting.status.rawValue
            entry.originCaseId = meeting.originCaseId
            entry.planId = meeting.individualPlanId
            entry.personId = meeting.calledBy
            entries.append(entry)
        }
        return entries
    }

    static func coordinatorEntries(_ childId: UUID, on connection: PostgresConnection) throws -> [Entry] {
        let state = try CoordinationStore.coordination(of: childId, on: connection)
        var entries: [Entry] = []
        for coordinator in state.history {
            var entry = Entry(at: coordinator.startedAt, kind: "coordinator.assigned")
            entry.coordinatorId = coordinator.id
            entry.personId = coordinator.personId
            entry.handoverId = coordinator.handoverId
            entry.summary = coordinator.kind.rawValue
            entries.append(entry)
            if coordinator.endedReason == "released", let endedAt = coordinator.endedAt {
                var released = Entry(at: endedAt, kind: "coordinator.released")
                released.coordinatorId = coordinator.id
                released.personId = coordinator.personId
                entries.append(released)
            }
        }
        for handover in state.handovers {
            var requested = Entry(at: handover.requestedAt, kind: "coordinator.handover_requested")
            requested.handoverId = handover.id
            requested.fromPersonId = handover.fromPersonId
            requested.toPersonId = handover.toPersonId
            entries.append(requested)
            if let respondedAt = handover.respondedAt {
                var answered = Entry(at: respondedAt, kind: handover.status == .accepted ? "coordinator.handed_over" : "coordinator.handover_\(handover.status.rawValue)")
                answered.handoverId = handover.id
                answered.fromPersonId = handover.fromPersonId
                answered.toPersonId = handover.toPersonId
                answered.status = handover.status.rawValue
                entries.append(answered)
            }
        }
        return entries
    }

    static func logEntries(_ childId: UUID, on connection: PostgresConnection) throws -> [Entry] {
        var entries: [Entry] = []
        let logs = try CoordinationStore.logs(ofChild: childId, on: connection)
        for log in logs {
            var opened = Entry(at: log.openedAt, kind: "log.opened")
            opened.logId = log.id
            opened.personId = log.openedBy
            entries.append(opened)
            if let closedAt = log.closedAt {
                var closed = Entry(at: closedAt, kind: "log.closed")
                closed.logId = log.id
                closed.personId = log.closedBy
                closed.status = log.closedReason?.rawValue
                closed.planId = log.individualPlanId
                entries.append(closed)
            }
            for note in try CoordinationStore.notes(of: log.id, on: connection) {
                var entry = Entry(at: note.createdAt, kind: "note.added")
                entry.logId = log.id
                entry.noteId = note.id
                entry.personId = note.authorId
                entry.status = note.kind.rawValue
                entry.summary = String(note.text.prefix(200))
                entries.append(entry)
            }
        }
        for measure in try CoordinationStore.measures(where: "m.child_id = \(childId)", on: connection) {
            var added = Entry(at: measure.createdAt, kind: "measure.added")
            added.measureId = measure.id
            added.logId = measure.logId
            added.planId = measure.planId
            added.meetingId = measure.meetingId
            added.personId = measure.ownerId
            added.summary = measure.description
            added.status = measure.source.rawValue
            entries.append(added)
            if let evaluatedAt = measure.evaluatedAt {
                var evaluated = Entry(at: evaluatedAt, kind: "measure.evaluated")
                evaluated.measureId = measure.id
                evaluated.personId = measure.evaluatedBy
                evaluated.status = measure.status.rawValue
                entries.append(evaluated)
            }
        }
        for plan in try IndividualPlanStore.plans(ofChild: childId, on: connection) {
            var entry = Entry(at: plan.createdAt, kind: "individual_plan.created")
            entry.planId = plan.id
            entry.personId = plan.createdBy
            entries.append(entry)
        }
        return entries
    }
}
