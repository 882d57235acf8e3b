/// # Avslåtte henvisninger – oppfølging (issue 16)
///
/// `GET /v1/referral-follow-ups`: the open follow-up tasks of rejected BUP referrals that the
/// caller owns, or whose intake arena they own: overdue first, then by due date.
/// `POST /v1/referral-follow-ups/{id}/close` (`outcome`, `note`): the owner or the arena's owner
/// closes a task with an outcome (`no_further_action` needs a reason), `referral_follow_up.closed`.
/// `GET /v1/referral-follow-up-owners`: the people who may own a task (PPT, the health station,
/// child welfare), for the intake meeting's form.
///
/// A task shows its referral's title only while the caller may see the referral in full
/// (``CaseStore/access``: the same consent rules as the referral); what is shown of a named
/// referral is written to the access log. The state machine and rules are
/// ``ReferralFollowUpRules`` (SamtakDomain); the SQL is ``ReferralFollowUpStore``.
import Foundation
import Hummingbird
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

struct ReferralIntakeRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.get("referral-follow-ups", use: list)
        group.post("referral-follow-ups/{id}/close", use: close)
        group.get("referral-follow-up-owners", use: owners)
        group.get("referrable-children", use: referrableChildren)
        group.post("referrals/{id}/notes", use: addNote)
    }

    struct FollowUpResource: Codable, Sendable {
        var id: UUID
        /// The referral, only where the caller may see it in full.
        var caseId: UUID?
        var title: String
        var redacted: Bool
        /// The child, where the caller may see the child.
        var childName: String?
        var ownerId: UUID
        var ownerName: String
        var arenaId: UUID
        var arenaName: String
        var meetingId: UUID
        var dueOn: LocalDate
        var overdue: Bool
        var status: FollowUpTaskStatus
        var outcome: FollowUpOutcome?
        var outcomeNote: String?
        var mayClose: Bool
        var createdAt: Date
    }

    struct FollowUpList: Codable, Sendable { var items: [FollowUpResource] }

    /// Maps a row as `principal` may see it. The referral's title and id where the case rules
    /// show it in full; the child's name where the caller may see the child (own unit, a consent
    /// covering their service, guardian): the owner must know whom to follow up, and may only
    /// where the consent lets them. What is shown is logged once.
    static func resource(_ row: ReferralFollowUpStore.Row, principal: Principal, today: LocalDate, on connection: PostgresConnection,
                         requestId: String?) throws -> FollowUpResource {
        var title = CaseRedaction.anonymousTitle(position: nil, grade: nil)
        var visible = false
        var childName: String?
        if let caseRow = try CaseStore.load(row.caseId, on: connection) {
            var logged: (basis: AccessBasis, consentId: UUID?)?
            if case .full(let basis, let consentId) = try CaseStore.access(principal, to: caseRow, on: connection) {
                visible = true
                title = caseRow.title
                logged = (basis, consentId)
            }
            if let childId = caseRow.childId,
               case .full(let basis, let consentId) = try ChildAccessLoader.decide(principal: principal, childId: childId, on: connection) {
                childName = try ReferralIntakeStore.childName(childId, on: connection)
                if logged == nil { logged = (basis, consentId) }
            }
            if let logged {
                try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "referral_follow_up", resourceId: row.id,
                                     childId: caseRow.childId, basis: logged.basis, consentId: logged.consentId, requestId: requestId)
            }
        }
        return FollowUpResource(
            id: row.id, caseId: visible ? row.caseId : nil, title: title, redacted: !visible, childName: childName, ownerId: row.ownerId,
            ownerName: row.ownerName, arenaId: row.arenaId, arenaName: row.arenaName, meetingId: row.meetingId, dueOn: row.dueOn,
            overdue: ReferralFollowUpRules.isOverdue(dueOn: row.dueOn, status: row.status, today: today), status: row.status,
            outcome: row.outcome, outcomeNote: visible || childName != nil ? row.outcomeNote : nil,
            mayClose: row.status == .open && Self.mayClose(principal, row), createdAt: row.createdAt)
    }

    static func mayClose(_ principal: Principal, _ row: ReferralFollowUpStore.Row) -> Bool {
        principal.personId == row.ownerId || principal.personId == row.arenaOwnerId
    }

    @Sendable func list(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let resource = try await environment.read(context) { connection, principal -> FollowUpList in
            let rows = try ReferralFollowUpStore.open(for: principal.personId, on: connection)
            let today = OsloTime.localDate(at: Date())
            let ordered = ReferralFollowUpRules.listOrder(rows, today: today, dueOn: \.dueOn, id: \.id)
            return FollowUpList(items: try ordered.map {
                try Self.resource($0, principal: principal, today: today, on: connection, requestId: context.id)
            })
        }
        return try APIJSON.response(resource)
    }

    struct CloseBody: StrictRequestBody {
        var outcome: FollowUpOutcome
        var note: String?
    }

    @Sendable func close(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "referral follow-up")
        let (body, raw) = try await APIJSON.decode(CloseBody.self, from: request)
        var v = Violations()
        v.text(body.note, "note", required: false, max: 4000)
        if body.outcome.requiresReason && (body.note?.trimmed ?? "").isEmpty {
            v.add("note", "required", "no further action needs a reason")
        }
        try v.throwIfAny()
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let row = try ReferralFollowUpStore.load(id, forUpdate: true, on: connection) else { throw Problem.notFound("Referral follow-up") }
            guard Self.mayClose(principal, row) else {
                // Whoever neither owns the task nor its arena learns nothing of it.
                throw Problem.notFound("Referral follow-up")
            }
            do { _ = try ReferralFollowUpRules.close(row.status, outcome: body.outcome, reason: body.note ?? "") } catch let error as InvalidFollowUpClose {
                throw error.reason == .alreadyClosed ? Problem.conflict("already_closed", error.description)
                    : Problem.field("note", "required", error.description)
            }
            try ReferralFollowUpStore.close(id, outcome: body.outcome, note: body.note?.trimmed ?? "", by: principal.personId, on: connection)
            try outbox.append(ReferralFollowUpClosed(followUpId: id, caseId: row.caseId, outcome: body.outcome, closedBy: principal.personId),
                              on: connection)
            guard let closed = try ReferralFollowUpStore.load(id, on: connection) else { throw Problem.notFound("Referral follow-up") }
            return try MutationResult(try Self.resource(closed, principal: principal, today: OsloTime.localDate(at: Date()), on: connection,
                                                        requestId: context.id))
        }
    }

    struct OwnerResource: Codable, Sendable {
        var id: UUID
        var name: String
        var title: String
        var unitName: String
        var service: ServiceKind
    }

    /// Staff of PPT, the health station and child welfare (names and job titles: no child data).
    @Sendable func owners(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let items = try await environment.read(context) { connection, principal -> [OwnerResource] in
            guard principal.kind == .staff else { throw Problem.forbidden("staff only") }
            return try ReferralIntakeStore.owners(services: ReferralFollowUpRules.owningServices, on: connection).map {
                OwnerResource(id: $0.id, name: $0.name, title: $0.title, unitName: $0.unitName, service: $0.service)
            }
        }
        struct OwnerList: Codable, Sendable { var items: [OwnerResource] }
        return try APIJSON.response(OwnerList(items: items))
    }
}

extension ReferralIntakeRoutes {
    struct ReferrableChild: Codable, Sendable {
        var id: UUID
        var name: String
        var grade: Int?
    }

    /// The children the caller may refer to `target_service` (default `bup`): those with a
    /// consent covering the target service that the caller may see in full (own unit or a consent
    /// covering the caller's service). Names are shown: each is written to the access log.
    @Sendable func referrableChildren(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let target = try request.query("target_service").map { raw in
            guard let service = ServiceKind(rawValue: raw) else { throw Problem.field("target_service", "enum", "is not a service") }
            return service
        } ?? .bup
        let items = try await environment.read(context) { connection, principal -> [ReferrableChild] in
            guard principal.kind == .staff else { return [] }
            var out: [ReferrableChild] = []
            for candidate in try ReferralIntakeStore.consentedChildren(service: target, on: connection) {
                guard case .full(let basis, let consentId) = try ChildAccessLoader.decide(principal: principal, childId: candidate.id, on: connection)
                else { continue }
                try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "child", resourceId: candidate.id,
                                     childId: candidate.id, basis: basis, consentId: consentId, requestId: context.id)
                out.append(ReferrableChild(id: candidate.id, name: candidate.name, grade: candidate.grade))
            }
            return out
        }
        struct ChildList: Codable, Sendable { var items: [ReferrableChild] }
        return try APIJSON.response(ChildList(items: items))
    }
}

extension ReferralIntakeRoutes {
    struct NoteBody: StrictRequestBody {
        var text: String
        var unitId: UUID
    }

    /// `POST /v1/referrals/{id}/notes`: a participant of the referral's intake arena who may
    /// see the referral in full adds what their service knows (`referral.note_added`). The
    /// answer is the referral with its notes (its read is logged as a read of the referral).
    @Sendable func addNote(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "referral")
        let (body, raw) = try await APIJSON.decode(NoteBody.self, from: request)
        var v = Violations()
        v.text(body.text, "text", max: 8000)
        try v.throwIfAny()
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let row = try CaseStore.load(id, on: connection), row.category == "referral" else { throw Problem.notFound("Referral") }
            let decision = try CaseStore.access(principal, to: row, on: connection)
            guard decision.canSeeCase else { throw Problem.notFound("Referral") }
            let participant = try row.arenaId.map { try ArenaStore.arenasTakingPart(principal, among: [$0], on: connection).contains($0) } ?? false
            guard ReferralFollowUpRules.mayAddNote(principal, unitId: body.unitId, isArenaParticipant: participant,
                                                   seesReferralInFull: decision.canSeeChild) else {
                if participant && decision.canSeeChild {
                    throw Problem.field("unit_id", "not_member", "must be a unit you work in")
                }
                throw Problem.forbidden("the intake meeting's participants who may see the referral add notes to it")
            }
            guard !row.status.isFinal else { throw Problem.conflict("referral_closed", "the referral is decided; notes are added before or in the meeting") }
            guard let service = principal.memberships.first(where: { $0.unitId == body.unitId })?.service else {
                throw Problem.field("unit_id", "not_member", "must be a unit you work in")
            }
            let noteId = try ReferralIntakeStore.insertNote(caseId: id, author: principal.personId, unitId: body.unitId, text: body.text.trimmed,
                                                            on: connection)
            try outbox.append(ReferralNoteAdded(noteId: noteId, caseId: id, unitId: body.unitId, service: service), on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "referral_note", resourceId: noteId,
                                 childId: row.childId, basis: decision.basis ?? .consent, consentId: decision.consentId, requestId: context.id)
            guard let resource = try CaseStore.read(id, principal: principal, on: connection, requestId: context.id) else {
                throw Problem.notFound("Referral")
            }
            return try MutationResult(resource, status: .created)
        }
    }
}

/// What the intake meeting's answer does beyond the case's status (inside the minutes'
/// approval): a rejection creates the follow-up task (municipal owner, due date from the
/// arena), a request for more information keeps what was asked and tells the referrer.
enum ReferralIntakeDecisions {
    static func apply(_ decision: IntakeDecision, text: String, row: CaseStore.Row, meeting: MeetingStore.Row, outbox: Outbox,
                      on connection: PostgresConnection) throws {
        switch decision {
        case .accepted:
            break
        case .rejected:
            guard let owner = try CaseStore.followUpOwner(row.id, on: connection) else {
                throw Problem.conflict("follow_up_owner_required",
                                       "a rejected referral needs a municipal follow-up owner (follow_up_owner_id in its minutes entry)")
            }
            try requireMunicipalOwner(owner, caseId: row.id, field: "follow_up_owner_id", on: connection)
            let days = try ReferralFollowUpStore.followUpDays(arenaId: meeting.arenaId, on: connection)
            let due = ReferralFollowUpRules.dueDate(decidedOn: OsloTime.localDate(at: Date()), days: days)
            if let id = try ReferralFollowUpStore.insert(caseId: row.id, meetingId: meeting.id, arenaId: meeting.arenaId, ownerId: owner,
                                                         dueOn: due, on: connection) {
                try outbox.append(ReferralFollowUpCreated(followUpId: id, caseId: row.id, arenaId: meeting.arenaId, ownerId: owner, dueOn: due),
                                  on: connection)
            }
        case .needsMoreInformation:
            try ReferralFollowUpStore.setInformationRequested(row.id, text.trimmed, on: connection)
            try ReferralFollowUpStore.completeAgendaItem(caseId: row.id, meetingId: meeting.id, on: connection)
            try outbox.append(ReferralInformationRequested(caseId: row.id, meetingId: meeting.id, referrerId: row.submittedBy), on: connection)
        }
    }

    /// A follow-up's owner works in PPT, the health station or child welfare (``ReferralFollowUpRules/mayOwn``)
    /// and may already see the child (own unit or a consent covering their service): naming an
    /// owner never opens the child to anyone, and an owner who cannot see whom to follow up
    /// could not do it.
    static func requireMunicipalOwner(_ owner: UUID, caseId: UUID, field: String, on connection: PostgresConnection) throws {
        guard let principal = try PrincipalCache.load(owner, on: connection), ReferralFollowUpRules.mayOwn(principal) else {
            throw Problem.field(field, "not_municipal", "must be a person working in PPT, the health station or child welfare")
        }
        if let childId = try CaseStore.load(caseId, on: connection)?.childId {
            guard case .full = try ChildAccessLoader.decide(principal: principal, childId: childId, on: connection) else {
                throw Problem.field(field, "no_access_basis", "must be someone the child's consent (or own unit) already lets see the child")
            }
        }
    }
}
