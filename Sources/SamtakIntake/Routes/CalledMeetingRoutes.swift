/// # Meetings around one child: samarbeidsmøte and ansvarsgruppe
///
/// The coordinator (or, for an ansvarsgruppe, child welfare; for a samarbeidsmøte, staff
/// who work with the child under the consent) calls a meeting of a per-child arena:
/// participants among the child's guardians, the young person and the helpers involved,
/// the time and place, the agenda items, and optionally a short follow-up series
/// (`rrule`, e.g. `FREQ=WEEKLY;INTERVAL=6;UNTIL=20270615`, at most 12 meetings).
///
/// Each meeting is a `meetings` row the scheduler and the notifier handle like any other:
/// `status = 'planned'`, `occurrence_date` NULL, `child_id`, `called_by`, `agenda_due_at`
/// = start − the arena's `agenda_lead_hours`, `submission_deadline` = the moment it is
/// called (it takes no submitted cases), `capacity`, `consent_id` (the consent that covers
/// every staff participant, ``CoordinationPolicy/checkParticipants``; none for a school's
/// samarbeidsmøte with only its own staff and the family, ``FamilyMeetingRule``), `series_id`,
/// `individual_plan_id` (an ansvarsgruppe serving the child's plan), `origin_case_id` (a
/// ressursteam decision); `meeting_participants` rows; title-only `agenda_items`; and one
/// `meeting.called` per meeting. Minutes are required for an ansvarsgruppe (approval
/// checks `ArenaKind.requiresMinutes`), and their follow-up actions become measures in the
/// child's log (``FollowUpMeasures``).
///
/// Endpoints: `POST /v1/children/{id}/meetings`, `GET /v1/children/{id}/meetings`,
/// `POST /v1/meetings/{id}/reschedule` (called meetings only; `meeting.moved`).
import Foundation
import Hummingbird
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime

struct CalledMeetingRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.post("children/{id}/meetings", use: callMeeting)
        group.get("children/{id}/meetings", use: listChildMeetings)
        group.post("meetings/{id}/reschedule", use: reschedule)
    }

    struct ItemBody: StrictRequestBody {
        var title: String
        var presenterId: UUID?
        var minutes: Int?
    }

    struct CallBody: StrictRequestBody {
        var arenaId: UUID
        var startsAt: LocalDateTime
        var durationMinutes: Int?
        var location: String?
        var participantIds: [UUID]
        var agenda: [ItemBody]
        var rrule: String?
        var individualPlanId: UUID?
    }

    struct MeetingList: Codable, Sendable {
        var items: [MeetingRoutes.MeetingResource]
    }

    static func validate(_ body: CallBody) throws -> RecurrenceRule? {
        var v = Violations()
        v.text(body.location, "location", required: false, max: 200)
        if let duration = body.durationMinutes, !(5...1440).contains(duration) { v.add("duration_minutes", "range", "must be from 5 to 1440") }
        if body.participantIds.count > 50 { v.add("participant_ids", "max_items", "must have at most 50 people") }
        if Set(body.participantIds).count != body.participantIds.count { v.add("participant_ids", "unique", "must not repeat a person") }
        if body.agenda.isEmpty { v.add("agenda", "required", "a meeting around a child needs at least one agenda item") }
        if body.agenda.count > 20 { v.add("agenda", "max_items", "must have at most 20 items") }
        for (index, item) in body.agenda.enumerated() {
            v.text(item.title, "agenda[\(index)].title", max: 200)
            if let minutes = item.minutes, !(1...480).contains(minutes) { v.add("agenda[\(index)].minutes", "range", "must be from 1 to 480") }
        }
        var rule: RecurrenceRule?
        if let text = body.rrule {
            rule = v.recurrenceRule(text, "rrule")
        }
        try v.throwIfAny()
        return rule
    }

    @Sendable func callMeeting(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let childId = try request.uuidParameter("id", context: context, resource: "child")
        let (body, raw) = try await APIJSON.decode(CallBody.self, from: request)
        let rule = try Self.validate(body)
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            let (child, basis, _) = try CoordinationStore.visibleChild(childId, principal, on: connection)
            guard let arena = try CalledMeetings.arena(body.arenaId, on: connection), arena.active else {
                throw Problem.field("arena_id", "not_found", "is not an active arena")
            }
            guard arena.kind.isPerChild else {
                throw Problem.field("arena_id", "not_per_child", "meetings around one child are called in a samarbeidsmøte or ansvarsgruppe arena")
            }
            let coordinator = try CoordinationStore.activeCoordinator(of: childId, on: connection)
            let logAccess = CoordinationStore.logAccess(principal, child)
            // The child's own school (kindergarten, SFO) also calls a samarbeidsmøte with the family (``FamilyMeetingRule``).
            let ownUnit = arena.kind == .samarbeidsmote && principal.kind == .staff
                && FamilyMeetingRule.isOwnUnitStaff(principal.memberships, child: child.relations)
            guard ownUnit || CoordinationPolicy.mayCall(arena.kind, isCoordinator: coordinator?.personId == principal.personId, logAccess: logAccess,
                                                        principal: principal) else {
                throw Problem.forbidden(arena.kind == .ansvarsgruppe
                    ? "an ansvarsgruppe is called by the child's coordinator, or by child welfare as a child-welfare measure"
                    : "a samarbeidsmøte is called by the child's coordinator or by staff who work with the child under the family's consent")
            }
            var planId = body.individualPlanId
            if let requested = planId {
                guard arena.kind == .ansvarsgruppe else {
                    throw Problem.field("individual_plan_id", "not_allowed", "only an ansvarsgruppe is linked to an individual plan")
                }
                guard try IndividualPlanStore.activeId(ofChild: childId, on: connection) == requested
                else { throw Problem.field("individual_plan_id", "not_found", "is not the child's active individual plan") }
            } else if arena.kind == .ansvarsgruppe {
                planId = try IndividualPlanStore.activeId(ofChild: childId, on: connection)
            }
            // The caller takes part; everyone must be family or staff the consent covers.
            let everyone = [principal.personId] + body.participantIds.filter { $0 != principal.personId }
            let facts = try CoordinationStore.participantFacts(everyone, child: child.relations, on: connection)
            var violations = Violations()
            for (index, id) in body.participantIds.enumerated() where facts[id] == nil {
                violations.add("participant_ids[\(index)]", "not_found", "is not a registered person")
            }
            for (index, item) in body.agenda.enumerated() {
                if let presenter = item.presenterId, !everyone.contains(presenter) {
                    violations.add("agenda[\(index)].presenter_id", "not_participant", "must be one of the participants")
                }
            }
            try violations.throwIfAny()
            let mustConsent = arena.youngPersonConsentAge.map { age in child.age.map { $0 >= age } ?? false } ?? false
            // Within the child's own unit and family no consent is needed; otherwise one must cover every staff participant.
            let familyOnly = FamilyMeetingRule.needsNoConsent(arena.kind, participants: everyone.compactMap { facts[$0] }, child: child.relations)
            let check = CoordinationPolicy.checkParticipants(everyone.compactMap { facts[$0] }, arenaId: arena.id, child: child.relations,
                                                             consents: child.consents, youngPersonMustConsent: mustConsent, at: Date())
            guard familyOnly || check.isAllowed else {
                var refused: [Problem.Violation] = []
                for (index, refusal) in check.refused.sorted(by: { $0.key < $1.key }) {
                    let field = index == 0 ? "participant_ids" : "participant_ids[\(body.participantIds.firstIndex(of: everyone[index]) ?? index - 1)]"
                    let message = index == 0 ? "you (the caller): \(refusal.description)" : refusal.description
                    refused.append(.init(field: field, rule: refusal.rawValue, message: message))
                }
                if refused.isEmpty {
                    refused.append(.init(field: "participant_ids", rule: CoordinationRefusal.noActiveConsent.rawValue,
                                         message: CoordinationRefusal.noActiveConsent.description))
                }
                throw Problem(.unprocessableContent, code: "consent_required", title: "The family's consent does not cover these participants",
                              detail: refused.map { "\($0.field): \($0.message)" }.joined(separator: "; "), violations: refused)
            }
            let planned = try CalledMeetings.plan(start: body.startsAt, rule: rule, arena: arena, durationMinutes: body.durationMinutes)
            let seriesId = planned.count > 1 ? UUID() : nil
            let items = body.agenda.map { CalledMeetings.Item(title: $0.title.trimmed, presenterId: $0.presenterId, minutes: $0.minutes) }
            var ids: [UUID] = []
            for meeting in planned {
                let id = try CalledMeetings.insert(meeting, arena: arena, childId: childId, calledBy: principal.personId,
                                                   location: body.location?.trimmed, participants: everyone, items: items,
                                                   consentId: familyOnly ? nil : check.consent?.id,
                                                   originCaseId: nil, planId: planId, seriesId: seriesId, outbox: outbox, on: connection)
                try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "meeting", resourceId: id,
                                     childId: childId, basis: basis, consentId: familyOnly ? nil : check.consent?.id, requestId: context.id)
                ids.append(id)
            }
            let resources = try ids.compactMap { try CalledMeetings.resource($0, principal: principal, on: connection, requestId: context.id) }
            return try MutationResult(MeetingList(items: resources), status: .created, location: "/v1/meetings/\(ids[0])")
        }
    }

    /// The meetings around the child that the caller takes part in (or organises).
    @Sendable func listChildMeetings(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let childId = try request.uuidParameter("id", context: context, resource: "child")
        let list = try await environment.read(context) { connection, principal in
            let (_, basis, consentId) = try CoordinationStore.visibleChild(childId, principal, on: connection)
            try AccessLog.record(on: connection, actor: principal.personId, action: .read, resource: "meeting", resourceId: nil,
                                 childId: childId, basis: basis, consentId: consentId, requestId: context.id)
            let ids = try CalledMeetings.meetingIds(aroundChild: childId, on: connection)
            return MeetingList(items: try ids.compactMap { try CalledMeetings.resource($0, principal: principal, on: connection, requestId: context.id) })
        }
        return try APIJSON.response(list)
    }

    struct RescheduleBody: StrictRequestBody {
        var startsAt: LocalDateTime
        var durationMinutes: Int?
        var location: String?

        /// The body of calling, moving or establishing one meeting, checked once for all of them:
        /// place at most 200 characters, length 5–1440 minutes; `future`: the time must be ahead.
        static func decode(from request: Request, future: Bool) async throws -> (RescheduleBody, Data) {
            let (body, raw) = try await APIJSON.decode(RescheduleBody.self, from: request)
            var v = Violations()
            v.text(body.location, "location", required: false, max: 200)
            if let duration = body.durationMinutes, !(5...1440).contains(duration) { v.add("duration_minutes", "range", "must be from 5 to 1440") }
            if future && OsloTime.instant(for: body.startsAt) <= Date() { v.add("starts_at", "range", "must be in the future (Europe/Oslo local time)") }
            try v.throwIfAny()
            return (body, raw)
        }
    }

    /// Moves a meeting (its organiser, ``MeetingRoles``: around one child whoever called it,
    /// or the child's coordinator; one meeting of an arena's series by the arena's organiser): new time, agenda date and place, `sequence` + 1,
    /// `meeting.moved`.
    @Sendable func reschedule(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "meeting")
        let (body, raw) = try await RescheduleBody.decode(from: request, future: true)
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let meeting = try MeetingStore.meeting(id, forUpdate: true, on: connection),
                  try MeetingRoutes.maySee(meeting, principal: principal, on: connection)
            else { throw Problem.notFound("Meeting") }
            let isCoordinator = try meeting.childId.flatMap { try CoordinationStore.activeCoordinator(of: $0, on: connection) }?.personId == principal.personId
            guard MeetingRoles.mayMove(principal, meeting.organisation, isChildsCoordinator: isCoordinator) else {
                throw Problem.forbidden("only the meeting's organiser (around one child: whoever called it) or the child's coordinator moves it")
            }
            guard meeting.status == .planned || meeting.status == .agendaPublished else {
                throw Problem.conflict("invalid_transition", "a \(meeting.status.rawValue) meeting cannot be moved")
            }
            guard let arena = try CalledMeetings.arena(meeting.arenaId, on: connection) else { throw Problem.notFound("Meeting") }
            let starts = OsloTime.instant(for: body.startsAt)
            let minutes = body.durationMinutes ?? Int(meeting.endsAt.timeIntervalSince(meeting.startsAt) / 60)
            let agendaDue = starts.addingTimeInterval(-TimeInterval(arena.agendaLeadHours * 3600))
            // A meeting of a series is moved on its own: the series planner leaves it as moved.
            let sequence = try MeetingStore.move(id, startsAt: starts, endsAt: starts.addingTimeInterval(TimeInterval(minutes * 60)),
                                                 agendaDueAt: agendaDue, location: body.location?.trimmed, byOwner: !meeting.isCalled,
                                                 on: connection)
            try outbox.append(MeetingMoved(meetingId: id, arenaId: meeting.arenaId, sequence: sequence ?? meeting.sequence + 1), on: connection)
            guard let resource = try CalledMeetings.resource(id, principal: principal, on: connection, requestId: context.id) else {
                throw Problem.notFound("Meeting")
            }
            return try MutationResult(resource)
        }
    }
}

/// Writing called meetings (around one child, from a ressursteam decision, for a
/// transition season) the way the scheduler and the notifier expect them.
enum CalledMeetings {
    struct Arena: Sendable {
        var id: UUID
        var kind: ArenaKind
        var active: Bool
        var ownerUnitId: UUID
        var durationMinutes: Int
        var location: String
        var capacity: Int
        var minutesPerCase: Int
        var agendaLeadHours: Int
        var holidayPolicy: HolidayPolicy
        var youngPersonConsentAge: Int?
    }

    struct Item: Sendable {
        var title: String?
        var caseId: UUID?
        var presenterId: UUID?
        var minutes: Int?
        init(title: String, presenterId: UUID?, minutes: Int?) {
            self.title = title; self.presenterId = presenterId; self.minutes = minutes
        }
        init(caseId: UUID, presenterId: UUID?, minutes: Int?) {
            self.caseId = caseId; self.presenterId = presenterId; self.minutes = minutes
        }
    }

    /// The meetings a call plans (`CalledMeetingPlan`), a plan error as a 422 naming its field.
    static func plan(start: LocalDateTime, rule: RecurrenceRule?, arena: Arena, durationMinutes: Int?) throws -> [PlannedMeeting] {
        do throws(CalledMeetingPlan.PlanError) {
            return try CalledMeetingPlan.meetings(start: start, rule: rule, holidayPolicy: arena.holidayPolicy,
                                                  durationMinutes: durationMinutes ?? arena.durationMinutes, agendaLeadHours: arena.agendaLeadHours, now: Date())
        } catch let error {
            throw Problem.field(error.field, error.rule, error.description)
        }
    }

    /// The meeting as `principal` may see it (nil when they may not).
    static func resource(_ id: UUID, principal: Principal, on connection: PostgresConnection, requestId: String?) throws -> MeetingRoutes.MeetingResource? {
        guard let reading = try MeetingRoutes.reading(id, principal: principal, on: connection), let view = reading.view else { return nil }
        var disclosures = Disclosures()
        disclosures.add(view.disclosures, resource: "agenda", resourceId: id)
        try AccessLog.record(disclosures, actor: principal.personId, requestId: requestId, on: connection)
        return MeetingRoutes.resource(reading.meeting, agenda: reading.agenda ?? [], minutesStatus: reading.meeting.minutesStatus?.rawValue,
                                      participantIds: try MeetingStore.participantIds(reading.meeting, on: connection))
    }

    /// A ressursteam's "call a samarbeidsmøte" (seed 001: "et av oppfølgingstiltakene kan
    /// være samarbeidsmøter"): a called meeting around the case's child in the submitting
    /// unit's samarbeidsmøte arena (else the municipality's), linked to the case, on the
    /// case's consent (or the child's first consent in force). Participants: the guardians,
    /// and those of the case's owner, its submitter, the approver and the staff present at
    /// the ressursteam whom that consent covers. At `startsAt`, or proposed two weeks after
    /// approval on a working day at 09:00 (the organiser can move it).
    static func samarbeidsmoteFromDecision(
        _ row: CaseStore.Row, meeting: MeetingStore.Row, principal: Principal, startsAt: LocalDateTime?, outbox: Outbox,
        on connection: PostgresConnection, requestId: String?
    ) throws -> UUID {
        guard row.kind == .named, let childId = row.childId, let child = try CoordinationStore.child(childId, on: connection) else {
            throw Problem.conflict("invalid_decision", "a samarbeidsmøte is called around a named child; an anonymous case needs consent and a name first")
        }
        guard let arenaId = try CalledMeetings.samarbeidsmoteArenaId(preferring: row.submittingUnitId, on: connection),
              let arena = try arena(arenaId, on: connection) else {
            throw Problem.conflict("no_arena", "no samarbeidsmøte arena is registered; register one before calling a samarbeidsmøte")
        }
        let active = child.consents.filter { $0.isActive(at: Date()) }
        guard let consent = active.first(where: { $0.id == row.consentId }) ?? active.first else {
            throw Problem.conflict("consent_required", "calling a samarbeidsmøte needs a consent in force for the child")
        }
        let present = try MeetingStore.minutes(meeting.id, on: connection)?.present ?? []
        let staff = [principal.personId, row.ownerId, row.submittedBy] + present
        let facts = try CoordinationStore.participantFacts(staff, child: child.relations, on: connection)
        var participants = Array(child.relations.guardianIds)
        for person in staff where !participants.contains(person) {
            guard let fact = facts[person], fact.kind == .staff, fact.active else { continue }
            if consent.arenaIds.contains(arena.id)
                || CoordinationPolicy.coveredMembership(fact.memberships, consent: consent, childUnitId: child.relations.unitId) != nil {
                participants.append(person)
            }
        }
        let start = startsAt ?? defaultStart(after: Date())
        let planned: [PlannedMeeting]
        do throws(CalledMeetingPlan.PlanError) {
            planned = try CalledMeetingPlan.meetings(start: start, rule: nil, holidayPolicy: arena.holidayPolicy, durationMinutes: arena.durationMinutes,
                                                     agendaLeadHours: arena.agendaLeadHours, now: Date())
        } catch let error {
            throw Problem.conflict("invalid_meeting_time", "meeting_starts_at: \(error.description)")
        }
        let id = try insert(planned[0], arena: arena, childId: childId, calledBy: principal.personId, location: nil, participants: participants,
                            items: [Item(title: "Oppfølging etter ressursteam", presenterId: row.ownerId, minutes: nil)], consentId: consent.id,
                            originCaseId: row.id, planId: nil, seriesId: nil, outbox: outbox, on: connection)
        try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "meeting", resourceId: id, childId: childId,
                             basis: .consent, consentId: consent.id, requestId: requestId)
        return id
    }

    /// Two weeks on, the next working day, 09:00 Europe/Oslo.
    static func defaultStart(after instant: Date) -> LocalDateTime {
        var date = OsloTime.localDate(at: instant).adding(days: 14)
        while !NorwegianHolidays.isWorkingDay(date) { date = date.adding(days: 1) }
        return LocalDateTime(date: date, time: LocalTime(hour: 9, minute: 0) ?? .midnight)
    }
}
