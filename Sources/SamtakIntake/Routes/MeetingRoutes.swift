import Foundation
import Hummingbird
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakStore

/// Meetings, their agendas (shown per viewer: a case the viewer may not see in full
/// appears as "Sak 3: elev 5. trinn, anonymisert"), minutes, and cancellation.
struct MeetingRoutes {
    let environment: IntakeEnvironment
    init(_ environment: IntakeEnvironment) { self.environment = environment }

    func register(on group: RouterGroup<IntakeRequestContext>) {
        group.get("meetings", use: listMeetings)
        group.get("meetings/{id}", use: getMeeting)
        group.post("meetings/{id}/cancel", use: cancelMeeting)
        group.post("meetings/{id}/publish-agenda", use: publishAgendaNow)
        group.get("meetings/{id}/minutes", use: getMinutes)
        group.put("meetings/{id}/minutes", use: saveMinutes)
        group.post("meetings/{id}/minutes/approve", use: approveMinutes)
        group.get("meetings/{id}/deliveries", use: listDeliveries)
    }

    // MARK: Resources

    struct AgendaItemResource: Codable, Sendable {
        var id: UUID
        var position: Int
        var caseId: UUID?
        var title: String
        var visibility: String
        var presenterId: UUID?
        var startsAt: Date
        var minutes: Int
        var overCapacity: Bool
        var caseStatus: CaseStatus?
    }

    struct MeetingResource: Codable, Sendable {
        var id: UUID
        var arenaId: UUID
        var arenaName: String
        var arenaKind: ArenaKind
        var startsAt: Date
        var endsAt: Date
        var location: String
        var status: MeetingStatus
        var capacity: Int
        var submissionDeadline: Date
        var agendaDueAt: Date
        var sequence: Int
        var childId: UUID?
        var agenda: [AgendaItemResource]
        var minutesStatus: String?
        /// Called meetings: who called it, what it belongs to, and its explicit participants.
        var calledBy: UUID?
        var originCaseId: UUID?
        var individualPlanId: UUID?
        var seriesId: UUID?
        var participantIds: [UUID]?
        /// With `?include=participants`: `GET /v1/meetings/{id}/participants`'s items.
        var participants: [ParticipantRoutes.ParticipantResource]? = nil
        /// With `?include=deliveries`, for the organiser only (absent for anyone else):
        /// `GET /v1/meetings/{id}/deliveries`'s list.
        var deliveries: DeliveryList? = nil
    }

    /// What `GET /v1/meetings/{id}?include=participants,deliveries` adds, so that a page
    /// showing a meeting makes one call (one principal, one meeting load, one transaction)
    /// instead of three. Each part is decided and logged exactly as its own endpoint does.
    enum Include: String, CaseIterable, Sendable {
        case participants, deliveries

        /// The `include` query parameter: a comma-separated list of known parts (422 naming
        /// `include` otherwise).
        static func parse(_ raw: String?) throws -> Set<Include> {
            guard let raw else { return [] }
            var parts: Set<Include> = []
            for name in raw.split(separator: ",", omittingEmptySubsequences: false) {
                guard let part = Include(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                    throw Problem.field("include", "enum", "must be a comma-separated list of: \(allCases.map(\.rawValue).joined(separator: ", "))")
                }
                parts.insert(part)
            }
            return parts
        }
    }

    typealias MeetingRow = MeetingStore.Row

    /// Who runs the meeting (``MeetingRoles``): the arena's owner and the owning unit's
    /// leader, and whoever called it; around one child only whoever called it. Never the
    /// register's administrator as such.
    static func isOrganiser(_ principal: Principal, _ meeting: MeetingRow) -> Bool {
        MeetingRoles.isOrganiser(principal, meeting.organisation)
    }

    /// One meeting as one viewer sees it: the visibility rule's answer, and the agenda's
    /// resources. Building it records nothing; whoever returns `agenda` records `view.disclosures`.
    struct Reading: Sendable {
        var meeting: MeetingRow
        var takesPart: Bool
        /// Invited for these agenda items only (nil: the whole meeting, or not at all).
        var partOnly: Set<UUID>? = nil
        /// A participant of the meeting's arena.
        var inArena: Bool
        var view: AgendaView?
        var agenda: [AgendaItemResource]?
    }

    /// Reads the agendas of `meetings` as `principal` sees them, with the facts loaded in one
    /// batch (``MeetingStore/agendaFacts(_:viewer:on:)``), in the meetings' order.
    static func readings(_ meetings: [MeetingRow], principal: Principal, on connection: PostgresConnection) throws -> [Reading] {
        let facts = try MeetingStore.agendaFacts(meetings, viewer: principal, on: connection)
        let now = Date()
        return meetings.map { meeting in
            let items = facts.items[meeting.id] ?? []
            let itemFacts = items.map(\.facts)
            let explicit = facts.viewerInvitedTo.contains(meeting.id)
            var inArena = facts.viewerArenas.contains(meeting.arenaId)
            // Joining the arena only with consent (the nurse in skolefravær): a participant only
            // while a consent lets her see one of the meeting's named cases in full.
            if inArena, let scope = itemFacts.lazy.compactMap({ $0.onAgenda?.facts.arena }).first(where: { $0.id == meeting.arenaId }),
               scope.joinsOnlyWithConsent(principal) {
                let named = itemFacts.compactMap { item in item.onAgenda.flatMap { c in c.childId.map { (facts: c.facts, childId: $0) } } }
                inArena = AccessPolicy.takesPartWithConsent(principal, namedCases: named, children: facts.children, at: now)
            }
            var takesPart = AgendaVisibility.takesPart(principal, organisation: meeting.organisation, inArena: inArena, explicitParticipant: explicit,
                                                       items: itemFacts, arenas: facts.viewerArenas, children: facts.children, at: now)
            // Invited for some items only: takes part while those are discussed.
            var partOnly: Set<UUID>?
            if !takesPart, let invitedItems = facts.viewerInvitedToItems[meeting.id], !invitedItems.isEmpty {
                takesPart = true
                partOnly = invitedItems
            }
            let viewer = AgendaViewer(principal: principal, takesPart: takesPart,
                                      invited: explicit || partOnly != nil || meeting.calledBy == principal.personId,
                                      arenas: facts.viewerArenas, partOnly: partOnly)
            guard let view = AgendaVisibility.view(itemFacts, meetingChildId: meeting.childId, viewer: viewer, children: facts.children, at: now)
            else { return Reading(meeting: meeting, takesPart: takesPart, partOnly: partOnly, inArena: inArena, view: nil, agenda: nil) }
            var starts: [UUID: Date] = [:]
            var start = meeting.startsAt
            for item in items {
                starts[item.facts.id] = start
                start = start.addingTimeInterval(TimeInterval(item.minutes * 60))
            }
            let byId = Dictionary(uniqueKeysWithValues: items.map { ($0.facts.id, $0) })
            let agenda = view.items.map { shown in
                let item = byId[shown.id]!
                return AgendaItemResource(id: shown.id, position: shown.position, caseId: shown.caseId, title: shown.title,
                                          visibility: shown.full ? "full" : "redacted", presenterId: item.presenterId, startsAt: starts[shown.id]!,
                                          minutes: item.minutes, overCapacity: item.overCapacity, caseStatus: item.caseStatus)
            }
            return Reading(meeting: meeting, takesPart: takesPart, partOnly: partOnly, inArena: inArena, view: view, agenda: agenda)
        }
    }

    /// One meeting as `principal` sees it; nil when it does not exist or they may see nothing of it.
    static func reading(_ id: UUID, principal: Principal, forUpdate: Bool = false, on connection: PostgresConnection) throws -> Reading? {
        guard let meeting = try MeetingStore.meeting(id, forUpdate: forUpdate, on: connection),
              let reading = try readings([meeting], principal: principal, on: connection).first, reading.view != nil else { return nil }
        return reading
    }

    /// Whether `principal` may see the meeting: a yes/no check before a change, which records nothing.
    static func maySee(_ meeting: MeetingRow, principal: Principal, on connection: PostgresConnection) throws -> Bool {
        try readings([meeting], principal: principal, on: connection).first?.view != nil
    }

    // MARK: Handlers

    @Sendable func listMeetings(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let page = try PageRequest(request: request)
        var v = Violations()
        let arenaId = request.query("arena_id").flatMap(UUID.init(uuidString:))
        if request.query("arena_id") == nil { v.add("arena_id", "required", "is required") } else if arenaId == nil { v.add("arena_id", "format", "must be a UUID") }
        let from = request.dateQuery("from", into: &v)
        let to = request.dateQuery("to", into: &v)
        if let from, let to, to < from { v.add("to", "range", "must not be before from") }
        try v.throwIfAny()
        guard let arenaId else { throw Problem.field("arena_id", "required", "is required") }
        let fromInstant = from.map { OsloTime.instant(for: LocalDateTime(date: $0, time: .midnight)) }
        let toInstant = to.map { OsloTime.instant(for: LocalDateTime(date: $0.adding(days: 1), time: .midnight)) }
        let rows = try await environment.read(context) { connection, principal in
            let meetings = try MeetingStore.meetings(arenaId: arenaId, from: fromInstant, to: toInstant, page: page, on: connection)
            let visible = try Self.readings(meetings, principal: principal, on: connection).filter { $0.view != nil }
            // Only the page's rows are returned (the one past the limit says there is a next page): only they are logged.
            var disclosures = Disclosures()
            for reading in visible.prefix(page.limit) {
                disclosures.add(reading.view?.disclosures ?? [], resource: "agenda", resourceId: reading.meeting.id)
            }
            try AccessLog.record(disclosures, actor: principal.personId, requestId: context.id, on: connection)
            return visible.map { reading in
                (item: Self.resource(reading.meeting, agenda: reading.agenda ?? [], minutesStatus: nil), createdAt: reading.meeting.startsAt,
                 id: reading.meeting.id)
            }
        }
        return try APIJSON.response(Page(rows: rows, limit: page.limit))
    }

    static func resource(_ meeting: MeetingRow, agenda: [AgendaItemResource], minutesStatus: String?, participantIds: [UUID]? = nil) -> MeetingResource {
        MeetingResource(id: meeting.id, arenaId: meeting.arenaId, arenaName: meeting.arenaName, arenaKind: meeting.arenaKind,
                        startsAt: meeting.startsAt, endsAt: meeting.endsAt, location: meeting.location, status: meeting.status,
                        capacity: meeting.capacity, submissionDeadline: meeting.submissionDeadline, agendaDueAt: meeting.agendaDueAt,
                        sequence: meeting.sequence, childId: meeting.childId, agenda: agenda, minutesStatus: minutesStatus,
                        calledBy: meeting.calledBy, originCaseId: meeting.originCaseId, individualPlanId: meeting.individualPlanId,
                        seriesId: meeting.seriesId, participantIds: participantIds)
    }

    @Sendable func getMeeting(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "meeting")
        let include = try Include.parse(request.query("include"))
        let resource = try await environment.read(context) { connection, principal -> MeetingResource? in
            // What this read may need that depends only on the request goes in the first round
            // trip (with BEGIN): the meeting, its agenda, and the parts asked for. The agenda's
            // other facts follow in a second (``MeetingStore/agendaFacts(_:viewer:on:)``).
            try connection.prefetch([MeetingStore.meetingStatement(id), MeetingStore.agendaStatement([id]), MeetingStore.participantIdsStatement(id)]
                + (include.contains(.participants) ? [ParticipantStore.participantsStatement(id)] : [])
                + (include.contains(.deliveries) ? [MeetingStore.deliveriesStatement(id)] : []))
            guard let reading = try Self.reading(id, principal: principal, on: connection), let view = reading.view else { return nil }
            var disclosures = Disclosures()
            disclosures.add(view.disclosures, resource: "agenda", resourceId: id)
            if let read = try Self.childMeetingRead(reading.meeting, principal: principal, on: connection) { disclosures.add(read) }
            var deliveries: DeliveryList?
            if include.contains(.deliveries), reading.takesPart, Self.isOrganiser(principal, reading.meeting) {
                if let read = Self.deliveriesRead(reading.meeting) { disclosures.add(read) }
                deliveries = try Self.deliveryList(id, on: connection)
            }
            try AccessLog.record(disclosures, actor: principal.personId, requestId: context.id, on: connection)
            var resource = Self.resource(reading.meeting, agenda: reading.agenda ?? [], minutesStatus: reading.meeting.minutesStatus?.rawValue,
                                         participantIds: try MeetingStore.participantIds(reading.meeting, on: connection))
            if include.contains(.participants) {
                resource.participants = try ParticipantRoutes.participants(of: reading.meeting, viewer: principal, on: connection)
            }
            resource.deliveries = deliveries
            return resource
        }
        guard let resource else { throw Problem.notFound("Meeting") }
        return try APIJSON.response(resource)
    }

    /// A meeting around one child is the child's data: its reads are logged too.
    static func childMeetingRead(_ meeting: MeetingRow, principal: Principal, on connection: PostgresConnection) throws -> Disclosure? {
        guard let childId = meeting.childId else { return nil }
        let basis: AccessBasis
        if let child = try CoordinationStore.child(childId, on: connection), let visible = CoordinationStore.childVisibility(principal, child) {
            basis = visible.basis
        } else {
            basis = .participant
        }
        return Disclosure(resource: "meeting", resourceId: meeting.id, childId: childId, basis: basis, consentId: meeting.consentId)
    }

    /// The meeting after a change, as its organiser sees it: the change's response, which
    /// records no read (the change is what happened; the log is for reads and changes of a child's data).
    static func changed(_ id: UUID, principal: Principal, on connection: PostgresConnection) throws -> MeetingResource {
        guard let reading = try reading(id, principal: principal, on: connection) else { throw Problem.notFound("Meeting") }
        return resource(reading.meeting, agenda: reading.agenda ?? [], minutesStatus: nil)
    }

    @Sendable func cancelMeeting(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "meeting")
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: Data()) { connection, principal in
            guard let meeting = try MeetingStore.meeting(id, forUpdate: true, on: connection), try Self.maySee(meeting, principal: principal, on: connection)
            else { throw Problem.notFound("Meeting") }
            guard Self.isOrganiser(principal, meeting) else { throw Problem.forbidden("only the meeting's organiser may cancel it") }
            guard meeting.status.allows(.cancel) else {
                throw Problem.conflict("invalid_transition", "a \(meeting.status.rawValue) meeting cannot be cancelled")
            }
            // An ansvarsgruppe always has minutes: once it has begun it is written up, not cancelled.
            if meeting.arenaKind == .ansvarsgruppe && meeting.startsAt <= Date() {
                throw Problem.conflict("minutes_required", "an ansvarsgruppe meeting that has begun cannot be cancelled; write its minutes")
            }
            try MeetingStore.cancelByOwner(id, on: connection)
            try outbox.append(MeetingCancelled(meetingId: id, arenaId: meeting.arenaId, reason: .byOwner), on: connection)
            return try MutationResult(Self.changed(id, principal: principal, on: connection))
        }
    }

    /// The organiser sends the agenda now instead of at the arena's lead time: the agenda is
    /// due at once and takes no more cases; the scheduler publishes it (or, for an arena that
    /// cancels empty meetings, cancels it) within a second, exactly as at the lead time.
    @Sendable func publishAgendaNow(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "meeting")
        return try await environment.mutate(request, context: context, body: Data()) { connection, principal in
            guard let meeting = try MeetingStore.meeting(id, forUpdate: true, on: connection), try Self.maySee(meeting, principal: principal, on: connection)
            else { throw Problem.notFound("Meeting") }
            guard Self.isOrganiser(principal, meeting) else { throw Problem.forbidden("only the meeting's organiser may send its agenda") }
            guard meeting.status.allows(.publishAgenda) else {
                throw Problem.conflict("invalid_transition", "the agenda of a \(meeting.status.rawValue) meeting cannot be sent")
            }
            try MeetingStore.makeAgendaDueNow(id, on: connection)
            return try MutationResult(Self.changed(id, principal: principal, on: connection))
        }
    }

    // MARK: Deliveries

    /// One copy of one of the meeting's documents (agenda, minutes, cancellation) and how
    /// its delivery went. Staff are named; a guardian or young person is shown by id and
    /// kind only (their name would say which child is on the agenda).
    struct DeliveryResource: Codable, Sendable {
        var documentId: UUID
        var documentKind: String
        var recipientId: UUID
        var recipientKind: PersonKind
        var recipientName: String?
        var state: String
        var failureReason: String?
        var attempts: Int
        var sentAt: Date?
        var failedAt: Date?
    }

    struct DeliveryList: Codable, Sendable {
        var items: [DeliveryResource]
        var failed: Int
        var open: Int
    }

    /// What the notifier did with the meeting's documents, for its organiser: who got each
    /// document, who did not and why (reason codes such as `smtp_550`, `no_address`).
    @Sendable func listDeliveries(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "meeting")
        let list = try await environment.read(context) { connection, principal -> DeliveryList? in
            guard let meeting = try MeetingStore.meeting(id, on: connection),
                  try Self.readings([meeting], principal: principal, on: connection).first?.takesPart == true
            else { return nil }
            // Around one child the list says who helps the child: its organiser is only whoever called it.
            guard Self.isOrganiser(principal, meeting) else { throw Problem.forbidden("only the meeting's organiser sees its deliveries") }
            if let read = Self.deliveriesRead(meeting) {
                var disclosures = Disclosures()
                disclosures.add(read)
                try AccessLog.record(disclosures, actor: principal.personId, requestId: context.id, on: connection)
            }
            return try Self.deliveryList(id, on: connection)
        }
        guard let list else { throw Problem.notFound("Meeting") }
        return try APIJSON.response(list)
    }

    /// A delivery list around one child says who helps the child: its read is the child's data.
    static func deliveriesRead(_ meeting: MeetingRow) -> Disclosure? {
        meeting.childId.map { Disclosure(resource: "meeting_deliveries", resourceId: meeting.id, childId: $0, basis: .owner) }
    }

    /// The meeting's deliveries, for its organiser (the caller has decided that).
    static func deliveryList(_ id: UUID, on connection: PostgresConnection) throws -> DeliveryList {
        let items = try MeetingStore.deliveries(id, on: connection).map { row in
            DeliveryResource(
                documentId: row.documentId, documentKind: row.documentKind, recipientId: row.recipientId, recipientKind: row.recipientKind,
                recipientName: row.recipientKind == .staff ? row.recipientName : nil, state: row.state, failureReason: row.failureReason,
                attempts: row.attempts, sentAt: row.sentAt, failedAt: row.failedAt)
        }
        return DeliveryList(items: items, failed: items.filter { $0.state == "failed" }.count,
                            open: items.filter { $0.state == "pending" || $0.state == "sending" }.count)
    }

    // MARK: Minutes

    struct FollowUpBody: StrictRequestBody, Codable {
        var description: String
        var responsibleId: UUID?
        var dueDate: LocalDate?
    }

    struct EntryBody: StrictRequestBody, Codable {
        var agendaItemId: UUID
        var discussion: String?
        var decision: CaseDecision?
        var decisionText: String?
        var followUps: [FollowUpBody]?
        /// BUP intake, rejected referral: the municipal service's person who follows up.
        var followUpOwnerId: UUID?
        /// `call_samarbeidsmote`: when the samarbeidsmøte is to be held (Europe/Oslo local
        /// time); without it the meeting is proposed two weeks after approval, 09:00.
        var meetingStartsAt: LocalDateTime?
    }

    struct MinutesBody: StrictRequestBody {
        var present: [UUID]?
        var absent: [UUID]?
        var generalNotes: String?
        var entries: [EntryBody]?
        var version: Int?
    }

    struct FollowUpResource: Codable, Sendable {
        var id: UUID
        var description: String
        var responsibleId: UUID?
        var dueDate: LocalDate?
    }

    struct EntryResource: Codable, Sendable {
        var agendaItemId: UUID
        var caseId: UUID?
        var title: String
        var visibility: String
        var discussion: String?
        var decision: CaseDecision?
        var decisionText: String?
        var followUps: [FollowUpResource]
        /// BUP intake: what the municipality added to the referral (only where the item is shown in full).
        var notes: [ReferralIntakeStore.NoteRow]?
    }

    struct MinutesResource: Codable, Sendable {
        var meetingId: UUID
        var status: String
        var present: [UUID]
        var absent: [UUID]
        var generalNotes: String
        var version: Int
        var approvedBy: UUID?
        var approvedAt: Date?
        var entries: [EntryResource]
    }

    /// The minutes as the reading's viewer sees them (what is about a child only where the
    /// agenda shows the item in full). Records nothing.
    static func minutesResource(_ reading: Reading, on connection: PostgresConnection) throws -> MinutesResource? {
        guard let view = reading.view, let agenda = reading.agenda else { return nil }
        let meeting = reading.meeting
        guard let row = try MeetingStore.minutes(meeting.id, on: connection) else {
            return MinutesResource(meetingId: meeting.id, status: "none", present: [], absent: [], generalNotes: "", version: 0,
                                   approvedBy: nil, approvedAt: nil, entries: [])
        }
        let (entries, followUps) = try MeetingStore.entries(meeting.id, on: connection)
        // An intake meeting's minutes carry the notes the municipality added to each referral (one statement).
        let notes = meeting.arenaKind == .bupIntake
            ? try ReferralIntakeStore.notes(caseIds: agenda.filter { $0.visibility == "full" }.compactMap(\.caseId), on: connection) : [:]
        let resources = agenda.map { item in
            let entry = entries[item.id]
            let full = item.visibility == "full"
            return EntryResource(
                agendaItemId: item.id, caseId: item.caseId, title: item.title, visibility: item.visibility,
                discussion: full ? entry?.discussion : nil, decision: entry?.decision, decisionText: full ? entry?.decisionText : nil,
                followUps: full ? (followUps[item.id] ?? []).map {
                    FollowUpResource(id: $0.id, description: $0.description, responsibleId: $0.responsibleId, dueDate: $0.dueDate)
                } : [],
                notes: full && meeting.arenaKind == .bupIntake ? item.caseId.map { notes[$0] ?? [] } : nil)
        }
        // Around one child, the general notes are about the child.
        return MinutesResource(
            meetingId: meeting.id, status: row.status.rawValue, present: row.present, absent: row.absent,
            generalNotes: view.seesChildContent ? row.generalNotes : "", version: row.version, approvedBy: row.approvedBy,
            approvedAt: row.approvedAt, entries: resources)
    }

    @Sendable func getMinutes(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "meeting")
        let minutes = try await environment.read(context) { connection, principal -> MinutesResource? in
            guard let reading = try Self.reading(id, principal: principal, on: connection),
                  let minutes = try Self.minutesResource(reading, on: connection) else { return nil }
            var disclosures = Disclosures()
            disclosures.add(reading.view?.disclosures ?? [], resource: "agenda", resourceId: id)
            try AccessLog.record(disclosures, actor: principal.personId, requestId: context.id, on: connection)
            return minutes
        }
        guard let minutes else { throw Problem.notFound("Meeting") }
        return try APIJSON.response(minutes)
    }

    /// Writes the draft minutes (whole document; `version` guards concurrent editors).
    @Sendable func saveMinutes(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "meeting")
        let (body, raw) = try await APIJSON.decode(MinutesBody.self, from: request)
        var v = Violations()
        v.text(body.generalNotes, "general_notes", required: false, max: 20_000)
        for (index, entry) in (body.entries ?? []).enumerated() {
            v.text(entry.discussion, "entries[\(index)].discussion", required: false, max: 20_000)
            v.text(entry.decisionText, "entries[\(index)].decision_text", required: false, max: 8000)
            for (f, followUp) in (entry.followUps ?? []).enumerated() {
                v.text(followUp.description, "entries[\(index)].follow_ups[\(f)].description", max: 2000)
            }
            if let start = entry.meetingStartsAt {
                if entry.decision != .callSamarbeidsmote {
                    v.add("entries[\(index)].meeting_starts_at", "not_allowed", "is only given with the decision call_samarbeidsmote")
                } else if OsloTime.instant(for: start) <= Date() {
                    v.add("entries[\(index)].meeting_starts_at", "range", "must be in the future (Europe/Oslo local time)")
                }
            }
        }
        if Set((body.entries ?? []).map(\.agendaItemId)).count != (body.entries ?? []).count {
            v.add("entries", "unique", "must have at most one entry per agenda item")
        }
        try v.throwIfAny()
        return try await environment.mutate(request, context: context, body: raw) { connection, principal in
            guard let reading = try Self.reading(id, principal: principal, forUpdate: true, on: connection), let agenda = reading.agenda
            else { throw Problem.notFound("Meeting") }
            let meeting = reading.meeting
            guard reading.takesPart, reading.partOnly == nil else {
                throw Problem.forbidden("only the meeting's participants write its minutes (not someone invited for some items only)")
            }
            guard meeting.status.allows(.writeMinutes) else {
                throw Problem.conflict("invalid_state", "minutes are written for a meeting whose agenda is published (this one is \(meeting.status.rawValue))")
            }
            if let current = try MeetingStore.minutes(id, on: connection) {
                guard current.status == .draft else { throw Problem.conflict("minutes_approved", "approved minutes cannot be changed") }
                guard body.version == current.version else {
                    throw Problem.conflict("version_mismatch", "the minutes were changed since; read them again")
                }
            } else if let version = body.version, version != 0 {
                throw Problem.conflict("version_mismatch", "no minutes exist yet; give version 0 or none")
            }
            let visible = Dictionary(uniqueKeysWithValues: agenda.map { ($0.id, $0) })
            var violations = Violations()
            for (index, entry) in (body.entries ?? []).enumerated() {
                guard let item = visible[entry.agendaItemId] else {
                    violations.add("entries[\(index)].agenda_item_id", "not_found", "is not an item on this meeting's agenda")
                    continue
                }
                if item.visibility != "full" && (entry.discussion != nil || entry.followUps != nil) {
                    violations.add("entries[\(index)]", "not_allowed", "you cannot write about a case you may not see in full")
                }
                // Each arena decides what fits it (a tildelingsmøte grants or denies, it does not refer on).
                if let decision = entry.decision, !decision.isAllowed(in: meeting.arenaKind) {
                    violations.add("entries[\(index)].decision", "not_for_arena",
                                   "a \(meeting.arenaKind.rawValue) meeting decides one of: \(CaseDecision.allowed(in: meeting.arenaKind).map(\.rawValue).joined(separator: ", "))")
                }
            }
            try violations.throwIfAny()
            let entries = (body.entries ?? []).map { entry in
                MeetingStore.DraftEntry(
                    agendaItemId: entry.agendaItemId, discussion: entry.discussion ?? "", decision: entry.decision, decisionText: entry.decisionText ?? "",
                    meetingStartsAt: entry.meetingStartsAt,
                    followUps: entry.followUps?.map { (description: $0.description.trimmed, responsibleId: $0.responsibleId, dueDate: $0.dueDate) })
            }
            try MeetingStore.saveDraft(id, present: body.present ?? [], absent: body.absent ?? [], generalNotes: body.generalNotes ?? "",
                                       entries: entries, by: principal.personId, on: connection)
            let next = try Self.transition(meeting, .writeMinutes)
            if next != meeting.status { try MeetingStore.setStatus(id, next, on: connection) }
            for (index, entry) in (body.entries ?? []).enumerated() {
                if let owner = entry.followUpOwnerId, let caseId = visible[entry.agendaItemId]?.caseId {
                    try ReferralIntakeDecisions.requireMunicipalOwner(owner, caseId: caseId, field: "entries[\(index)].follow_up_owner_id",
                                                                      on: connection)
                    try CaseStore.setFollowUpOwner(caseId, owner, on: connection)
                }
            }
            // The response shows the minutes: their reads are logged once.
            guard let updated = try Self.reading(id, principal: principal, on: connection),
                  let minutes = try Self.minutesResource(updated, on: connection)
            else { throw Problem.notFound("Meeting") }
            var disclosures = Disclosures()
            disclosures.add(updated.view?.disclosures ?? [], resource: "agenda", resourceId: id)
            try AccessLog.record(disclosures, actor: principal.personId, requestId: context.id, on: connection)
            return try MutationResult(minutes)
        }
    }

    /// The meeting's next status, or a 409 naming the transition that is not allowed.
    static func transition(_ meeting: MeetingRow, _ transition: MeetingTransition) throws -> MeetingStatus {
        do { return try meeting.status.applying(transition) } catch {
            throw Problem.conflict("invalid_transition", error.description)
        }
    }

    /// Approving announces the minutes (`minutes.approved`; the notifier sends them) and
    /// applies each case's decision: status, intake decision, a PPT referral for "refer to
    /// PPT", a samarbeidsmøte for "call a samarbeidsmøte", and the follow-up actions as
    /// measures in the child's coordination log (``FollowUpMeasures``), all in one transaction.
    @Sendable func approveMinutes(_ request: Request, context: IntakeRequestContext) async throws -> Response {
        let id = try request.uuidParameter("id", context: context, resource: "meeting")
        let outbox = environment.outbox
        return try await environment.mutate(request, context: context, body: Data()) { connection, principal in
            guard let reading = try Self.reading(id, principal: principal, forUpdate: true, on: connection) else { throw Problem.notFound("Meeting") }
            let meeting = reading.meeting
            let participatingLeader = reading.inArena && principal.memberships.contains { $0.role == .unitLeader }
            guard Self.isOrganiser(principal, meeting) || participatingLeader else {
                throw Problem.forbidden("the meeting's organiser or a participating unit leader approves the minutes")
            }
            guard let minutes = try MeetingStore.minutes(id, forUpdate: true, on: connection) else {
                throw Problem.conflict("no_minutes", "write the minutes before approving them")
            }
            guard minutes.status == .draft else { throw Problem.conflict("minutes_approved", "the minutes are already approved") }
            let entries = try MeetingStore.decisions(id, on: connection)
            if meeting.arenaKind.requiresMinutes, entries.count < (try MeetingStore.agendaItemCount(id, on: connection)) {
                throw Problem.conflict("minutes_incomplete", "every agenda item needs an entry in the minutes of a \(meeting.arenaKind.rawValue) meeting")
            }
            for entry in entries {
                guard let caseId = entry.caseId, let decision = entry.decision else { continue }
                try DecisionApplier.apply(decision, text: entry.text, caseId: caseId, meeting: meeting, principal: principal,
                                          callStartsAt: entry.callStartsAt, outbox: outbox, on: connection, requestId: context.id)
            }
            try FollowUpMeasures.apply(meeting: meeting, principal: principal, outbox: outbox, on: connection, requestId: context.id)
            try MeetingStore.approveMinutes(id, by: principal.personId, on: connection)
            try outbox.append(MinutesApproved(meetingId: id, arenaId: meeting.arenaId, version: minutes.version), on: connection)
            // The response is the change's answer: it records no read.
            guard let updated = try Self.reading(id, principal: principal, on: connection),
                  let approved = try Self.minutesResource(updated, on: connection)
            else { throw Problem.notFound("Meeting") }
            return try MutationResult(approved)
        }
    }
}

/// What a meeting's decision does to its case (inside the approval's transaction).
enum DecisionApplier {
    static func apply(
        _ decision: CaseDecision, text: String, caseId: UUID, meeting: MeetingRoutes.MeetingRow, principal: Principal,
        callStartsAt: LocalDateTime? = nil, outbox: Outbox, on connection: PostgresConnection, requestId: String?
    ) throws {
        guard let row = try CaseStore.load(caseId, on: connection, forUpdate: true) else { return }
        if row.status.isFinal { return }
        var next = row.status
        if row.status == .scheduled || row.status == .discussed {
            do { next = try row.status.applying(decision.caseTransition) } catch {
                throw Problem.conflict("invalid_transition", "case on the agenda: \(error.description)")
            }
        }
        var createdCase: UUID?
        var createdMeeting: UUID?
        switch decision {
        case .granted, .denied:
            // An application decided: the case closes.
            guard meeting.arenaKind == .tildelingsmote else {
                throw Problem.conflict("invalid_decision", "\(decision.rawValue) is a tildelingsmøte's decision on an application")
            }
        case .needsMoreInformation where meeting.arenaKind == .tildelingsmote:
            break  // the application waits for more information
        case .accepted, .rejected, .needsMoreInformation:
            guard row.isReferral else {
                throw Problem.conflict("invalid_decision", "\(decision.rawValue) is a decision on a referral")
            }
            let intake = IntakeDecision(rawValue: decision.rawValue)!
            try CaseStore.setIntakeDecision(caseId, intake, on: connection)
            try ReferralIntakeDecisions.apply(intake, text: text, row: row, meeting: meeting, outbox: outbox, on: connection)
        case .referToPPT:
            createdCase = try referToPPT(row, text: text, principal: principal, outbox: outbox, on: connection, requestId: requestId)
        case .callSamarbeidsmote:
            createdMeeting = try CalledMeetings.samarbeidsmoteFromDecision(row, meeting: meeting, principal: principal, startsAt: callStartsAt,
                                                                          outbox: outbox, on: connection, requestId: requestId)
        case .followUp, .close:
            break
        }
        try CaseStore.setStatus(caseId, next, on: connection)
        try outbox.append(CaseDecided(caseId: caseId, meetingId: meeting.id, decision: decision, status: next, createdCaseId: createdCase,
                                      createdMeetingId: createdMeeting), on: connection)
    }

    /// A ressursteam decision "refer to PPT" creates the referral, on a consent that covers PPT.
    static func referToPPT(_ row: CaseStore.Row, text: String, principal: Principal, outbox: Outbox, on connection: PostgresConnection, requestId: String?) throws -> UUID {
        guard row.kind == .named, let childId = row.childId else {
            throw Problem.conflict("invalid_decision", "only a named case can be referred to PPT; an anonymous case needs consent and a name first")
        }
        let consent = try ChildAccessLoader.consents(childId, on: connection).first { grant in
            grant.isActive(at: Date()) && grant.services.contains(.ppt)
        }
        guard let consent else {
            throw Problem.conflict("consent_required", "referring to PPT needs a consent that covers PPT")
        }
        let guardians = try AccessFacts.guardianships([childId], on: connection)[childId] ?? []
        let id = try CaseStore.insertReferralToPPT(from: row, childId: childId, consentId: consent.id, by: principal.personId,
                                                   parentalResponsibility: guardians.filter(\.parentalResponsibility).map(\.guardianId),
                                                   dailyCare: guardians.filter(\.dailyCare).map(\.guardianId),
                                                   question: text.isEmpty ? "Vurdering etter vedtak i ressursteam" : text, on: connection)
        try outbox.append(ReferralCreated(caseId: id, targetService: .ppt, arenaId: nil, unitId: row.submittingUnitId, urgent: row.urgent,
                                          originCaseId: row.id), on: connection)
        try AccessLog.record(on: connection, actor: principal.personId, action: .create, resource: "referral", resourceId: id,
                             childId: childId, basis: .consent, consentId: consent.id, requestId: requestId)
        return id
    }
}
