/// # The coordinator and the coordination log (stafettholder, stafettlogg)
///
/// Tables (Schema/0005_coordination.sql): `coordinators` (one active per child, history
/// kept), `coordinator_handovers` (pending → accepted / declined / cancelled, one pending
/// per child), `coordination_logs` (one open per child; closed = read-only),
/// `coordination_measures` (what, owner, from, evaluation date, evaluation; in a log and/or
/// an individual plan), `coordination_notes` (progress, transition, handover).
///
/// Endpoints:
/// - `GET/POST /v1/children/{id}/coordinator`, `POST .../coordinator/release`,
///   `POST .../coordinator/handovers`, `GET /v1/coordinator-handovers/{id}`,
///   `POST /v1/coordinator-handovers/{id}/accept|decline|cancel`
/// - `GET/POST /v1/children/{id}/coordination-log`, `GET /v1/coordination-logs/{id}`,
///   `POST /v1/coordination-logs/{id}/measures|notes|close`,
///   `GET /v1/coordination-logs/{id}/export` (an HTML document for the child's file),
///   `POST /v1/coordination-measures/{id}/evaluation`
///
/// Events (topic `coordination`, key = child): `coordinator.assigned`,
/// `coordinator.handover_requested`, `coordinator.handed_over` (both people's ids, so the
/// notifier tells both), `coordinator.handover_closed`, `coordinator.released`,
/// `log.opened`, `log.closed`, `measure.added`, `measure.evaluated`; the reminder
/// `measure.evaluation_due` comes from `SamtakStore.MeasureEvaluationReminders`.
///
/// Access (``CoordinationPolicy``): the log is read by guardians and the young person, and
/// read and written by staff whose service an active consent covers; everyone else gets
/// 404. Every read and change of a child's coordination data is written to the access log.
import Foundation
import HTTPTypes
import Hummingbird
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakStore

struct CoordinationRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.get("children/{id}/coordinator", use: getCoordinator)
        group.post("children/{id}/coordinator", use: assignCoordinator)
        group.post("children/{id}/coordinator/release", use: releaseCoordinator)
        group.post("children/{id}/coordinator/handovers", use: requestHandover)
        group.get("coordinator-handovers/{id}", use: getHandover)
        group.post("coordinator-handovers/{id}/accept", use: acceptHandover)
        group.post("coordinator-handovers/{id}/decline", use: declineHandover)
        group.post("coordinator-handovers/{id}/cancel", use: cancelHandover)
        group.get("children/{id}/coordination-log", use: getChildLog)
        group.post("children/{id}/coordination-log", use: openLog)
        group.get("coordination-logs/{id}", use: getLog)
        group.post("coordination-logs/{id}/measures", use: addMeasure)
        group.post("coordination-logs/{id}/notes", use: addNote)
        group.post("coordination-logs/{id}/close", use: closeLog)
        group.get("coordination-logs/{id}/export", use: exportLog)
        group.post("coordination-measures/{id}/evaluation", use: evaluateMeasure)
    }

    // MARK: Coordinator

    struct AssignBody: StrictRequestBody {
        var personId: UUID
        var unitId: UUID?
        var kind: CoordinatorKind
    }

    @Sendable func getCoordinator(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let childId = try request.uuidParameter("id", context: context, resource: "child")
        let resource = try await environment.read(context) { connection, principal in
            let (_, basis, consentId) = try CoordinationStore.visibleChild(childId, principal, on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "coordinator", resourceId: nil,
                                 childId: childId, basis: basis, consentId: consentId, requestId: context.id)
            return try CoordinationStore.coordination(of: childId, on: connection)
        }
        return try APIJSON.response(resource)
    }

    /// Checks a (new) coordinator against the consents; 422 naming the rule otherwise.
    static func eligibility(_ personId: UUID, unitId: UUID?, child: CoordinationStore.ChildFacts, field: String,
                            on connection: PostgresConnection) throws -> (consent: ConsentGrant, membership: Principal.Membership) {
        guard let facts = try CoordinationStore.participantFacts([personId], child: child.relations, on: connection)[personId] else {
            throw Problem.field(field, "not_found", "is not a registered person")
        }
        switch CoordinationPolicy.coordinatorEligibility(candidate: facts, child: child.relations, consents: child.consents, unitId: unitId, at: Date()) {
        case .success(let found):
            return found
        case .failure(let refusal):
            let problemField = refusal == .notMemberOfUnit ? "unit_id" : field
            throw Problem(.unprocessableContent, code: refusal == .noActiveConsent || refusal == .serviceNotCovered ? "consent_required" : "validation",
                          title: "This person cannot be the child's coordinator", detail: "\(problemField): \(refusal.description)",
                          violations: [.init(field: problemField, rule: refusal.rawValue, message: refusal.description)])
        }
    }

    /// The staff who may assign a coordinator: those who may write the child's log.
    static func requireWriter(_ principal: Principal, _ child: CoordinationStore.ChildFacts) throws -> (AccessBasis, UUID?) {
        let access = CoordinationStore.logAccess(principal, child)
        guard access.canRead || CoordinationStore.childVisibility(principal, child) != nil else { throw Problem.notFound("Child") }
        guard access.canWrite, let basis = access.basis else {
            throw Problem.forbidden("only staff whose service the family's consent covers may do this")
        }
        return (basis, access.consentId)
    }

    @Sendable func assignCoordinator(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let childId = try request.uuidParameter("id", context: context, resource: "child")
        let (body, raw) = try await APIJSON.decode(AssignBody.self, from: request)
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let child = try CoordinationStore.child(childId, on: connection) else { throw Problem.notFound("Child") }
            let (basis, consentId) = try Self.requireWriter(principal, child)
            let found = try Self.eligibility(body.personId, unitId: body.unitId, child: child, field: "person_id", on: connection)
            if try CoordinationStore.activeCoordinator(of: childId, on: connection, forUpdate: true) != nil {
                throw Problem.conflict("coordinator_exists", "the child has a coordinator; hand the role over instead")
            }
            let id = UUID()
            do {
                try CoordinationStore.insertCoordinator(id, childId: childId, personId: body.personId, unitId: found.membership.unitId,
                                                        service: found.membership.service, kind: body.kind, consentId: found.consent.id,
                                                        assignedBy: principal.personId, handoverId: nil, on: connection)
            } catch let error as PostgresError where error.isUniqueViolation {
                throw Problem.conflict("coordinator_exists", "the child has a coordinator; hand the role over instead")
            }
            try outbox.append(CoordinatorAssigned(childId: childId, coordinatorId: id, personId: body.personId, unitId: found.membership.unitId,
                                                  kind: body.kind), on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "coordinator", resourceId: id,
                                 childId: childId, basis: basis, consentId: consentId, requestId: context.id)
            return try MutationResult(try CoordinationStore.coordination(of: childId, on: connection), status: .created,
                                      location: "/v1/children/\(childId)/coordinator")
        }
    }

    /// Ends the current assignment without a successor (the coordinator, or staff who may write the log).
    @Sendable func releaseCoordinator(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let childId = try request.uuidParameter("id", context: context, resource: "child")
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: Data()) { connection, principal in
            guard let child = try CoordinationStore.child(childId, on: connection) else { throw Problem.notFound("Child") }
            let (basis, consentId) = try Self.requireWriter(principal, child)
            guard let current = try CoordinationStore.activeCoordinator(of: childId, on: connection, forUpdate: true) else {
                throw Problem.conflict("no_coordinator", "the child has no coordinator")
            }
            try CoordinationStore.cancelPendingHandovers(of: childId, by: principal.personId, on: connection)
            try CoordinationStore.endCoordinator(current.id, reason: "released", on: connection)
            try outbox.append(CoordinatorReleased(childId: childId, coordinatorId: current.id, personId: current.personId), on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .update, resource: "coordinator", resourceId: current.id,
                                 childId: childId, basis: basis, consentId: consentId, requestId: context.id)
            return try MutationResult(try CoordinationStore.coordination(of: childId, on: connection))
        }
    }

    struct HandoverBody: StrictRequestBody {
        var toPersonId: UUID
        var unitId: UUID?
        var note: String?
    }

    /// The coordinator asks another person to take over; nothing changes until they accept.
    @Sendable func requestHandover(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let childId = try request.uuidParameter("id", context: context, resource: "child")
        let (body, raw) = try await APIJSON.decode(HandoverBody.self, from: request)
        var v = Violations()
        v.text(body.note, "note", required: false, max: 2000)
        try v.throwIfAny()
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let child = try CoordinationStore.child(childId, on: connection),
                  let visible = CoordinationStore.childVisibility(principal, child) else { throw Problem.notFound("Child") }
            guard let current = try CoordinationStore.activeCoordinator(of: childId, on: connection, forUpdate: true) else {
                throw Problem.conflict("no_coordinator", "the child has no coordinator to hand over from; assign one")
            }
            guard current.personId == principal.personId else { throw Problem.forbidden("only the coordinator hands the role over") }
            if body.toPersonId == principal.personId { throw Problem.field("to_person_id", "same_person", "is already the coordinator") }
            let found = try Self.eligibility(body.toPersonId, unitId: body.unitId, child: child, field: "to_person_id", on: connection)
            let id = UUID()
            do {
                try CoordinationStore.insertHandover(id, childId: childId, fromCoordinatorId: current.id, fromPersonId: principal.personId,
                                                     toPersonId: body.toPersonId, toUnitId: found.membership.unitId, consentId: found.consent.id,
                                                     note: body.note?.trimmed ?? "", on: connection)
            } catch let error as PostgresError where error.isUniqueViolation {
                throw Problem.conflict("handover_pending", "a handover is already waiting for an answer")
            }
            try outbox.append(CoordinatorHandoverRequested(childId: childId, handoverId: id, fromPersonId: principal.personId,
                                                           toPersonId: body.toPersonId), on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "coordinator_handover", resourceId: id,
                                 childId: childId, basis: visible.basis, consentId: visible.consentId, requestId: context.id)
            guard let handover = try CoordinationStore.loadHandover(id, on: connection) else { throw Problem.notFound("Handover") }
            return try MutationResult(handover, status: .created, location: "/v1/coordinator-handovers/\(id)")
        }
    }

    @Sendable func getHandover(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "handover")
        let handover = try await environment.read(context) { connection, principal -> CoordinationStore.HandoverResource? in
            guard let handover = try CoordinationStore.loadHandover(id, on: connection),
                  let child = try CoordinationStore.child(handover.childId, on: connection) else { return nil }
            let party = principal.personId == handover.fromPersonId || principal.personId == handover.toPersonId
            guard let visible = CoordinationStore.childVisibility(principal, child) ?? (party ? (.participant, nil) : nil) else { return nil }
            try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "coordinator_handover", resourceId: id,
                                 childId: handover.childId, basis: visible.basis, consentId: visible.consentId, requestId: context.id)
            return handover
        }
        guard let handover else { throw Problem.notFound("Handover") }
        return try APIJSON.response(handover)
    }

    @Sendable func acceptHandover(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        try await answer(.accept, request, context)
    }

    @Sendable func declineHandover(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        try await answer(.decline, request, context)
    }

    @Sendable func cancelHandover(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        try await answer(.cancel, request, context)
    }

    /// Accept / decline (the recipient) or cancel (the coordinator): ``HandoverMachine``.
    /// Accepting re-checks the consent, ends the old assignment and starts the new one, and
    /// writes a handover note in the child's open log.
    func answer(_ action: HandoverAction, _ request: Request, _ context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "handover")
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: Data()) { connection, principal in
            guard let handover = try CoordinationStore.loadHandover(id, on: connection, forUpdate: true),
                  principal.personId == handover.fromPersonId || principal.personId == handover.toPersonId,
                  let child = try CoordinationStore.child(handover.childId, on: connection)
            else { throw Problem.notFound("Handover") }
            let next: HandoverStatus
            do throws(HandoverError) {
                next = try HandoverMachine.apply(action, to: handover.status, actor: principal.personId, from: handover.fromPersonId, to: handover.toPersonId)
            } catch let error {
                if case .notPending = error { throw Problem.conflict(error.code, error.description) }
                throw Problem(.forbidden, code: error.code, title: "Not allowed", detail: error.description)
            }
            if next == .accepted {
                guard let current = try CoordinationStore.activeCoordinator(of: handover.childId, on: connection, forUpdate: true),
                      current.personId == handover.fromPersonId else {
                    throw Problem.conflict("coordinator_changed", "the person who asked is no longer the coordinator")
                }
                let found = try Self.eligibility(handover.toPersonId, unitId: handover.toUnitId, child: child, field: "to_person_id", on: connection)
                try CoordinationStore.endCoordinator(current.id, reason: "handed_over", on: connection)
                let coordinatorId = UUID()
                try CoordinationStore.insertCoordinator(coordinatorId, childId: handover.childId, personId: handover.toPersonId,
                                                        unitId: found.membership.unitId, service: found.membership.service, kind: current.kind,
                                                        consentId: found.consent.id, assignedBy: handover.fromPersonId, handoverId: id, on: connection)
                if let logId = try CoordinationStore.openLogId(of: handover.childId, on: connection) {
                    _ = try CoordinationStore.addNote(logId: logId, childId: handover.childId, kind: .handover,
                                                  text: "Rollen som \(current.kind.norwegianName) er overlevert og akseptert.",
                                                  author: principal.personId, on: connection)
                }
                try outbox.append(CoordinatorHandedOver(childId: handover.childId, handoverId: id, fromPersonId: handover.fromPersonId,
                                                        toPersonId: handover.toPersonId, coordinatorId: coordinatorId), on: connection)
                try outbox.append(CoordinatorAssigned(childId: handover.childId, coordinatorId: coordinatorId, personId: handover.toPersonId,
                                                      unitId: found.membership.unitId, kind: current.kind, handoverId: id), on: connection)
            } else {
                try outbox.append(CoordinatorHandoverClosed(childId: handover.childId, handoverId: id, fromPersonId: handover.fromPersonId,
                                                            toPersonId: handover.toPersonId, status: next), on: connection)
            }
            try CoordinationStore.answerHandover(id, status: next, by: principal.personId, on: connection)
            let basis = CoordinationStore.childVisibility(principal, child)
            try AccessLog.record(on: connection, actor: principal.personId, action: .update, resource: "coordinator_handover", resourceId: id,
                                 childId: handover.childId, basis: basis?.basis ?? .participant, consentId: basis?.consentId, requestId: context.id)
            guard let updated = try CoordinationStore.loadHandover(id, on: connection) else { throw Problem.notFound("Handover") }
            return try MutationResult(updated)
        }
    }

    // MARK: Log

    @Sendable func getChildLog(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let childId = try request.uuidParameter("id", context: context, resource: "child")
        let log = try await environment.read(context) { connection, principal -> CoordinationStore.LogResource? in
            guard let child = try CoordinationStore.child(childId, on: connection) else { return nil }
            let access = CoordinationStore.logAccess(principal, child)
            guard let basis = access.basis, let row = try CoordinationStore.currentLog(of: childId, on: connection) else { return nil }
            try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "coordination_log", resourceId: row.id,
                                 childId: childId, basis: basis, consentId: access.consentId, requestId: context.id)
            return try CoordinationStore.logResource(row, access: access, on: connection)
        }
        guard let log else { throw Problem.notFound("Coordination log") }
        return try APIJSON.response(log)
    }

    @Sendable func openLog(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let childId = try request.uuidParameter("id", context: context, resource: "child")
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: Data()) { connection, principal in
            guard let child = try CoordinationStore.child(childId, on: connection) else { throw Problem.notFound("Child") }
            let (basis, consentId) = try Self.requireWriter(principal, child)
            guard let id = try CoordinationStore.openLog(childId: childId, by: principal.personId, outbox: outbox, on: connection),
                  let row = try CoordinationStore.loadLog(id, on: connection) else {
                throw Problem.conflict("log_open", "the child already has an open coordination log")
            }
            try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "coordination_log", resourceId: id,
                                 childId: childId, basis: basis, consentId: consentId, requestId: context.id)
            return try MutationResult(try CoordinationStore.logResource(row, access: .readWrite(basis, consentId: consentId), on: connection),
                                      status: .created, location: "/v1/coordination-logs/\(id)")
        }
    }

    /// Loads a log and what the caller may do with it (404 when they may not read it).
    static func accessibleLog(_ id: UUID, _ principal: Principal, on connection: PostgresConnection, forUpdate: Bool = false) throws
        -> (log: CoordinationStore.LogRow, child: CoordinationStore.ChildFacts, access: LogAccess) {
        guard let log = try CoordinationStore.loadLog(id, on: connection, forUpdate: forUpdate),
              let child = try CoordinationStore.child(log.childId, on: connection) else { throw Problem.notFound("Coordination log") }
        let access = CoordinationStore.logAccess(principal, child)
        guard access.canRead else { throw Problem.notFound("Coordination log") }
        return (log, child, access)
    }

    /// For changes: writers only, and only while the log is open (409 after closing).
    static func writableLog(_ id: UUID, _ principal: Principal, on connection: PostgresConnection) throws
        -> (log: CoordinationStore.LogRow, child: CoordinationStore.ChildFacts, basis: AccessBasis, consentId: UUID?) {
        let (log, child, access) = try accessibleLog(id, principal, on: connection, forUpdate: true)
        guard access.canWrite, let basis = access.basis else { throw Problem.forbidden("the log is read-only for you") }
        guard log.status == .open else { throw Problem.conflict("log_closed", "the coordination log is closed and read-only") }
        return (log, child, basis, access.consentId)
    }

    @Sendable func getLog(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "coordination log")
        let log = try await environment.read(context) { connection, principal in
            let (row, _, access) = try Self.accessibleLog(id, principal, on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "coordination_log", resourceId: id,
                                 childId: row.childId, basis: access.basis ?? .consent, consentId: access.consentId, requestId: context.id)
            return try CoordinationStore.logResource(row, access: access, on: connection)
        }
        return try APIJSON.response(log)
    }

    struct MeasureBody: StrictRequestBody {
        var description: String
        var ownerId: UUID
        var startsOn: LocalDate
        var evaluationDueOn: LocalDate
    }

    static func validate(_ body: MeasureBody) throws {
        var v = Violations()
        v.text(body.description, "description", max: 2000)
        for error in MeasureRules.validate(startsOn: body.startsOn, evaluationDueOn: body.evaluationDueOn, today: OsloTime.localDate(at: Date())) {
            v.add(error.field, error.rule, error.description)
        }
        try v.throwIfAny()
    }

    @Sendable func addMeasure(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let logId = try request.uuidParameter("id", context: context, resource: "coordination log")
        let (body, raw) = try await APIJSON.decode(MeasureBody.self, from: request)
        try Self.validate(body)
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            let (log, child, basis, consentId) = try Self.writableLog(logId, principal, on: connection)
            let service = try CoordinationStore.validateOwner(body.ownerId, child: child, field: "owner_id", on: connection)
            guard let id = try CoordinationStore.addMeasure(.init(
                childId: log.childId, logId: logId, planId: nil, description: body.description.trimmed, ownerId: body.ownerId, service: service,
                startsOn: body.startsOn, evaluationDueOn: body.evaluationDueOn, source: .manual, meetingId: nil, followUpActionId: nil,
                createdBy: principal.personId), outbox: outbox, on: connection),
                  let measure = try CoordinationStore.loadMeasure(id, on: connection) else { throw Problem.notFound("Measure") }
            try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "coordination_measure", resourceId: id,
                                 childId: log.childId, basis: basis, consentId: consentId, requestId: context.id)
            return try MutationResult(measure, status: .created, location: "/v1/coordination-logs/\(logId)")
        }
    }

    struct NoteBody: StrictRequestBody {
        var kind: LogNoteKind
        var text: String
    }

    @Sendable func addNote(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let logId = try request.uuidParameter("id", context: context, resource: "coordination log")
        let (body, raw) = try await APIJSON.decode(NoteBody.self, from: request)
        var v = Violations()
        v.text(body.text, "text", max: 8000)
        if body.kind == .handover { v.add("kind", "not_allowed", "handover notes are written by the system; use progress or transition") }
        try v.throwIfAny()
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            let (log, _, basis, consentId) = try Self.writableLog(logId, principal, on: connection)
            let id = try CoordinationStore.addNote(logId: logId, childId: log.childId, kind: body.kind, text: body.text.trimmed,
                                                   author: principal.personId, on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "coordination_note", resourceId: id,
                                 childId: log.childId, basis: basis, consentId: consentId, requestId: context.id)
            guard let note = try CoordinationStore.notes(of: logId, on: connection).first(where: { $0.id == id }) else { throw Problem.notFound("Note") }
            return try MutationResult(note, status: .created, location: "/v1/coordination-logs/\(logId)")
        }
    }

    struct CloseBody: StrictRequestBody {
        var reason: LogCloseReason
        var individualPlanId: UUID?
        var note: String?
    }

    /// Closes the log (read-only from now on, `log.closed`). When an individual plan takes
    /// over, the log's active measures move into the plan and keep their reminders.
    @Sendable func closeLog(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let logId = try request.uuidParameter("id", context: context, resource: "coordination log")
        let (body, raw) = try await APIJSON.decode(CloseBody.self, from: request)
        var v = Violations()
        v.text(body.note, "note", required: false, max: 8000)
        if body.reason == .individualPlan && body.individualPlanId == nil {
            v.add("individual_plan_id", "required", "name the individual plan that takes over")
        }
        if body.reason != .individualPlan && body.individualPlanId != nil {
            v.add("individual_plan_id", "not_allowed", "is only given when the reason is individual_plan")
        }
        try v.throwIfAny()
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            let (log, _, basis, consentId) = try Self.writableLog(logId, principal, on: connection)
            try Self.close(log, reason: body.reason, planId: body.individualPlanId, note: body.note?.trimmed, by: principal.personId,
                           outbox: outbox, on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .update, resource: "coordination_log", resourceId: logId,
                                 childId: log.childId, basis: basis, consentId: consentId, requestId: context.id)
            guard let closed = try CoordinationStore.loadLog(logId, on: connection) else { throw Problem.notFound("Coordination log") }
            return try MutationResult(try CoordinationStore.logResource(closed, access: .readWrite(basis, consentId: consentId), on: connection))
        }
    }

    /// Closing, shared with the individual plan that takes over.
    static func close(_ log: CoordinationStore.LogRow, reason: LogCloseReason, planId: UUID?, note: String?, by personId: UUID, outbox: Outbox,
                      on connection: PostgresConnection) throws {
        if let planId {
            guard try IndividualPlanStore.activeId(ofChild: log.childId, on: connection) == planId
            else { throw Problem.field("individual_plan_id", "not_found", "is not the child's active individual plan") }
            try CoordinationStore.moveActiveMeasures(fromLog: log.id, toPlan: planId, on: connection)
        }
        if let note, !note.isEmpty {
            _ = try CoordinationStore.addNote(logId: log.id, childId: log.childId, kind: .transition, text: note, author: personId, on: connection)
        }
        try CoordinationStore.closeLog(log.id, by: personId, reason: reason, planId: planId, on: connection)
        try outbox.append(LogClosed(childId: log.childId, logId: log.id, reason: reason, individualPlanId: planId), on: connection)
    }

    /// The log as an HTML document for the child's file (journal), logged as an export.
    @Sendable func exportLog(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "coordination log")
        let html = try await environment.read(context) { connection, principal in
            let (row, _, access) = try Self.accessibleLog(id, principal, on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .export, resource: "coordination_log", resourceId: id,
                                 childId: row.childId, basis: access.basis ?? .consent, consentId: access.consentId, requestId: context.id)
            let log = try CoordinationStore.logResource(row, access: access, on: connection)
            let child = try TransitionStore.childName(row.childId, on: connection)
            return CoordinationDocument.html(log: log, childName: child?.name ?? "", birthDate: child?.birthDate, exportedAt: Date())
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        headers[.contentDisposition] = "attachment; filename=\"stafettlogg-\(id.uuidString.lowercased()).html\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    // MARK: Measures

    struct EvaluationBody: StrictRequestBody {
        var evaluation: String
        var outcome: EvaluationOutcome
        var nextEvaluationOn: LocalDate?
    }

    /// Records an evaluation (``MeasureRules/evaluate``); a measure that continues gets a new
    /// date and its reminder is re-armed.
    @Sendable func evaluateMeasure(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "measure")
        let (body, raw) = try await APIJSON.decode(EvaluationBody.self, from: request)
        var v = Violations()
        v.text(body.evaluation, "evaluation", max: 8000)
        try v.throwIfAny()
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let measure = try CoordinationStore.loadMeasure(id, on: connection, forUpdate: true),
                  let child = try CoordinationStore.child(measure.childId, on: connection) else { throw Problem.notFound("Measure") }
            let access = CoordinationStore.logAccess(principal, child)
            guard access.canRead else { throw Problem.notFound("Measure") }
            guard access.canWrite, let basis = access.basis else { throw Problem.forbidden("the measure is read-only for you") }
            try Self.requireOpenContainer(measure, on: connection)
            let today = OsloTime.localDate(at: Date())
            let next: MeasureStatus
            do throws(MeasureRuleError) {
                next = try MeasureRules.evaluate(measure.status, outcome: body.outcome, nextEvaluationOn: body.nextEvaluationOn, today: today)
            } catch let error {
                if case .notActive = error { throw Problem.conflict(error.rule, error.description) }
                throw Problem.field(error.field, error.rule, error.description)
            }
            if let nextDate = body.nextEvaluationOn, nextDate > measure.startsOn.adding(years: 3) {
                throw Problem.field("next_evaluation_on", "range", "must be within three years of the measure's start")
            }
            try CoordinationStore.evaluateMeasure(id, status: next, evaluation: body.evaluation.trimmed, by: principal.personId,
                                                  nextEvaluationOn: body.nextEvaluationOn, on: connection)
            try outbox.append(MeasureEvaluated(childId: measure.childId, measureId: id, outcome: body.outcome, nextEvaluationOn: body.nextEvaluationOn),
                              on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .update, resource: "coordination_measure", resourceId: id,
                                 childId: measure.childId, basis: basis, consentId: access.consentId, requestId: context.id)
            guard let updated = try CoordinationStore.loadMeasure(id, on: connection) else { throw Problem.notFound("Measure") }
            return try MutationResult(updated)
        }
    }

    /// A measure is changed only while its plan (if it moved into one) or its log is open.
    static func requireOpenContainer(_ measure: CoordinationStore.MeasureResource, on connection: PostgresConnection) throws {
        let open: Bool
        if let planId = measure.planId {
            open = try IndividualPlanStore.isActive(planId, on: connection)
        } else if let logId = measure.logId {
            open = try CoordinationStore.isLogOpen(logId, on: connection)
        } else {
            open = false
        }
        guard open else { throw Problem.conflict("log_closed", "the measure's log (or plan) is closed and read-only") }
    }
}

extension HTTPField.Name {
    static let contentDisposition = HTTPField.Name("Content-Disposition")!
}
