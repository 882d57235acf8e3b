import Foundation
import SamtakDomain
import SamtakPostgres
import SamtakRuntime
import SamtakStore
import Synchronization

/// A message ready for the relay.
struct ComposedMail: Sendable {
    /// RFC 5322 text.
    var raw: String
    /// Envelope recipient.
    var to: String
    var disclosures: [Disclosure]
}

/// What composing one delivery gave: a message, or a permanent failure code.
enum Composition: Sendable {
    case mail(ComposedMail)
    case failure(reason: String)
}

/// Builds each recipient's copy of a document from ``DocumentFacts``: decides per agenda item
/// with `AccessPolicy.caseAccess` what this recipient may see (the rules the intake API
/// applies to reads), renders it with ``DocumentRenderer`` and wraps it in a ``MailMessage``
/// with the calendar part.
///
/// Per item: full access → title and presenter as written (and, in minutes, discussion,
/// decision and follow-ups); redacted (a named case the recipient's service is not covered
/// for) → `CaseRedaction.anonymousTitle`; denied → left out, so a guardian gets only their
/// own child's part. Items without a case are shown to participants only. In notice mode
/// the content is not even looked at: the renderer gets an empty document.
struct DocumentComposer: Sendable {
    let renderer: DocumentRenderer
    let from: Recipient
    let publicURL: String
    let shared = SharedFactsCache()

    /// What a claim's copies are rendered from, read in one snapshot.
    struct Input: Sendable {
        var documents: [UUID: DocumentFacts]
        var notices: [UUID: NoticeFacts] = [:]
        var recipients: [UUID: PersonFacts]
    }

    /// Reads the facts of every document of a claim (once per document) and the recipients.
    func load(_ deliveries: [ClaimedDelivery], on connection: PostgresConnection) throws -> Input {
        let documentIds = Array(Set(deliveries.map(\.documentId)))
        let notices = try NoticeFacts.load(documentIds, on: connection)
        var documents: [UUID: DocumentFacts] = [:]
        for documentId in documentIds where notices[documentId] == nil {
            let facts = try DocumentFacts.load(documentId: documentId, shared: shared.get(documentId), on: connection)
            if let facts { shared.put(documentId, DocumentFacts.Shared(audience: facts.audience, participantLines: facts.participantLines)) }
            documents[documentId] = facts
        }
        return Input(documents: documents, notices: notices,
                     recipients: try AccessFacts.people(Array(Set(deliveries.map(\.recipientId))), on: connection))
    }

    /// One delivery's message (pure: no I/O, safe to run concurrently).
    func compose(_ delivery: ClaimedDelivery, from input: Input, now: Date = Date()) -> Composition {
        guard let person = input.recipients[delivery.recipientId], person.active else { return .failure(reason: "recipient_inactive") }
        guard let email = person.email else { return .failure(reason: "no_address") }
        if let notice = input.notices[delivery.documentId] {
            return .mail(notice.mail(to: Recipient(name: person.name, email: email), from: from, publicURL: publicURL,
                                     messageID: delivery.messageID, now: now))
        }
        guard let document = input.documents[delivery.documentId] else { return .failure(reason: "meeting_missing") }
        do {
            return .mail(try compose(document, for: person, email: email, messageID: delivery.messageID, now: now))
        } catch {
            return .failure(reason: "render_failed")
        }
    }

    func compose(_ facts: DocumentFacts, for person: PersonFacts, email: String, messageID: String, now: Date) throws -> ComposedMail {
        let recipient = Recipient(name: person.name, email: email)
        let meeting = facts.meeting
        let owner = meeting.ownerPersonId.flatMap { facts.people[$0] }
        let summary = MeetingSummary(
            arenaName: meeting.arenaName, title: meeting.arenaName, start: meeting.startsAt, end: meeting.endsAt, location: meeting.location,
            ownerName: owner?.name ?? "", ownerEmail: owner?.email, meetingID: meeting.id, sequence: facts.sequence)
        let view = RecipientView(facts: facts, person: person, now: now)
        // The family gets a notice with a link whatever the arena chose (issue 17).
        let mode = meeting.deliveryMode.forRecipient(person.kind)
        let content: DocumentContent
        switch facts.kind {
        case .agenda:
            content = mode == .notice ? .agenda(participants: [], items: []) : view.agenda()
        case .minutes:
            content = mode == .notice ? .minutes(attendance: [], absent: [], items: [], nextMeeting: nil) : view.minutes()
        case .cancellation:
            content = .cancellation(reason: Self.cancellationReason(meeting.cancelledReason))
        }
        let path = "/v1/meetings/\(meeting.id.uuidString.lowercased())" + (facts.kind == .minutes ? "/minutes" : "")
        let readLink = publicURL + path
        let rendered = try renderer.render(DocumentRequest(
            meeting: summary, content: content, recipient: recipient, deliveryMode: mode, readLink: readLink, moved: facts.moved))

        var calendar: (method: CalendarMethod, content: String)?
        let method: CalendarMethod? = switch facts.kind {
        case .agenda: .request
        case .cancellation: .cancel
        case .minutes: nil
        }
        if let method {
            let notice = mode == .notice
            calendar = CalendarInvite(
                method: method, meeting: notice ? summary.redactedForNotice() : summary, attendee: recipient,
                organizerEmail: notice ? from.email : (owner?.email ?? from.email), timestamp: now, url: readLink
            ).mailPart
        }
        let message = MailMessage(
            from: from, to: recipient, subject: rendered.subject, messageID: messageID, date: now, text: rendered.text,
            html: rendered.html, calendar: calendar)
        // A notice shows nothing of the child (no content, no name): it discloses nothing.
        return ComposedMail(raw: message.render(), to: email, disclosures: mode == .notice ? [] : view.disclosures)
    }

    static func cancellationReason(_ code: String?) -> String {
        switch code.flatMap(MeetingCancelled.Reason.init(rawValue:)) {
        case .noCases: "Ingen saker er meldt inn til møtet."
        case .byOwner: "Møtet er avlyst av møteleder."
        case .seriesChanged: "Møteplanen for arenaen er endret, og møtet utgår."
        case nil: "Møtet er avlyst."
        }
    }
}

/// One recipient's view of a document's content: what part of the agenda they see is
/// decided by the same pure rule as the API's reads (``AgendaVisibility/view``), and the
/// disclosures it returns are what this copy records in the access log when it is sent.
struct RecipientView {
    let facts: DocumentFacts
    let person: PersonFacts
    let now: Date
    /// The items this recipient sees, by item id (nil: nothing of the meeting).
    private let shown: [UUID: VisibleAgendaItem]
    /// Children whose data this copy shows (for the access log).
    let disclosures: [Disclosure]

    init(facts: DocumentFacts, person: PersonFacts, now: Date) {
        self.facts = facts
        self.person = person
        self.now = now
        let view = AgendaVisibility.view(
            facts.items.map { $0.visibilityFacts(scopes: facts.scopes) }, meetingChildId: facts.meeting.childId,
            viewer: Self.viewer(person.principal, of: facts), children: ChildFactsBatch(relations: facts.children, consents: facts.consents),
            at: now)
        shown = Dictionary((view?.items ?? []).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        disclosures = (view?.disclosures ?? []).map { disclosure in
            Disclosure(childId: disclosure.childId, basis: disclosure.basis, consentId: disclosure.consentId,
                       resource: facts.kind.rawValue, meetingId: facts.meeting.id)
        }
    }

    /// The meeting's audience takes part (and, around one child, is the invited); being in
    /// it makes one a participant of the arenas of the cases on the agenda. Someone invited
    /// for some items only takes part in those, as a guest (not an arena participant).
    static func viewer(_ principal: Principal, of facts: DocumentFacts) -> AgendaViewer {
        let takesPart = facts.audience.participants.contains(principal.personId)  // the recipient's own id
        if !takesPart, let items = facts.audience.itemParticipants[principal.personId] {
            return AgendaViewer(principal: principal, takesPart: true, invited: true, arenas: [], partOnly: items)
        }
        let arenas = takesPart ? Set(facts.items.compactMap { $0.caseRow?.arenaId }) : []
        return AgendaViewer(principal: principal, takesPart: takesPart, invited: takesPart, arenas: arenas)
    }

    static let notShown = "Innholdet vises bare for deltakere som samtykket omfatter. Les saken i Samtak."

    /// The item as this recipient may see it: (title, full), or nil when not shown.
    func visible(_ item: DocumentFacts.Item) -> (title: String, full: Bool)? {
        shown[item.id].map { ($0.title, $0.full) }
    }

    func agenda() -> DocumentContent {
        var items: [AgendaItemLine] = []
        for item in facts.items {
            guard let shown = visible(item) else { continue }
            let presenter = shown.full ? item.presenterId.flatMap { facts.people[$0]?.name } : nil
            items.append(AgendaItemLine(position: item.position, title: shown.title, presenter: presenter, start: item.start, minutes: item.minutes))
        }
        return .agenda(participants: facts.participantLines, items: items)
    }

    func minutes() -> DocumentContent {
        guard let minutes = facts.minutes else { return .minutes(attendance: [], absent: [], items: [], nextMeeting: nil) }
        var lines: [MinutesItemLine] = []
        var family: Set<UUID> = [person.id]
        for item in facts.items {
            guard let shown = visible(item) else { continue }
            guard shown.full else {
                lines.append(MinutesItemLine(position: item.position, title: shown.title, discussion: Self.notShown, decision: ""))
                continue
            }
            if let childId = item.caseRow?.childId, let child = facts.children[childId] {
                family.formUnion(child.guardianIds)
                if let young = child.personId { family.insert(young) }
            }
            let entry = minutes.entries[item.id]
            let followUps = (minutes.followUps[item.id] ?? []).map { followUp in
                FollowUpLine(what: followUp.description, who: followUp.responsibleId.flatMap { facts.people[$0]?.name } ?? "ikke fordelt",
                             due: followUp.due)
            }
            lines.append(MinutesItemLine(position: item.position, title: shown.title, discussion: entry?.discussion ?? "",
                                         decision: Self.decisionText(entry), followUps: followUps))
        }
        let present = minutes.present.compactMap { attendeeName($0, family: family) }
        let absent = minutes.absent.compactMap { attendeeName($0, family: family) }
        return .minutes(attendance: present, absent: absent, items: lines, nextMeeting: minutes.nextMeeting)
    }

    /// Staff by name; family members by name only to those who see their child's case,
    /// to others as "foresatt" / "ungdom" (a name could identify an anonymised child).
    func attendeeName(_ id: UUID, family: Set<UUID>) -> String? {
        guard let attendee = facts.people[id] else { return nil }
        if attendee.kind == .staff || family.contains(id) { return attendee.name }
        return attendee.kind == .guardian ? "foresatt" : "ungdom"
    }

    static func decisionText(_ entry: DocumentFacts.MinutesEntry?) -> String {
        guard let entry else { return "" }
        let label: String? = switch entry.decision {
        case .followUp: "Saken følges opp videre."
        case .close: "Saken avsluttes."
        case .referToPPT: "Eleven henvises til PPT."
        case .callSamarbeidsmote: "Det kalles inn til samarbeidsmøte."
        case .accepted: "Henvisningen er tatt imot."
        case .rejected: "Henvisningen er avslått."
        case .needsMoreInformation: "Det trengs mer informasjon."
        case .granted: "Søknaden er innvilget."
        case .denied: "Søknaden er avslått."
        case nil: nil
        }
        let text = entry.decisionText.trimmingCharacters(in: .whitespacesAndNewlines)
        return [label, text.isEmpty ? nil : text].compactMap { $0 }.joined(separator: "\n")
    }
}

/// ``DocumentFacts/Shared`` by document, each kept `lifetime` (the audience of a meeting
/// changes rarely; a copy rendered a few seconds after a change may use the earlier list).
final class SharedFactsCache: Sendable {
    private let entries = Mutex<[UUID: (facts: DocumentFacts.Shared, at: ContinuousClock.Instant)]>([:])
    let lifetime: Duration

    init(lifetime: Duration = .seconds(10)) { self.lifetime = lifetime }

    func get(_ documentId: UUID) -> DocumentFacts.Shared? {
        entries.withLock { entries in
            guard let entry = entries[documentId] else { return nil }
            if ContinuousClock.now - entry.at > lifetime {
                entries[documentId] = nil
                return nil
            }
            return entry.facts
        }
    }

    func put(_ documentId: UUID, _ facts: DocumentFacts.Shared) {
        entries.withLock { entries in
            if entries[documentId] != nil { return }  // keep the first read's age
            let now = ContinuousClock.now
            if entries.count > 64 { entries = entries.filter { now - $0.value.at <= self.lifetime } }
            entries[documentId] = (facts, now)
        }
    }
}
