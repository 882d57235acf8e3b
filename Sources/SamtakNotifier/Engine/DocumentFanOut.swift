import Foundation
import Logging
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakStore

/// The consumer's handler: turns `agenda.published`, `minutes.approved` and
/// `meeting.cancelled` into a document and one delivery per recipient, inside the inbox
/// transaction that records the event (so a redelivered event has no second effect, and
/// the fan-out is all or nothing). `meeting.moved` for a meeting whose agenda already went
/// out sends the agenda again (its REQUEST carries the new time and SEQUENCE, so calendars
/// move the entry). Nothing is rendered here: copies are rendered at send time.
public struct DocumentFanOut: Sendable {
    let store: DeliveryStore
    let logger: Logger

    init(store: DeliveryStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// The event types that make documents.
    public static let eventTypes = [AgendaPublished.type, MinutesApproved.type, MeetingCancelled.type, MeetingMoved.type,
                                    MeetingParticipantInvited.type]

    public func apply(_ envelope: EventEnvelope, on connection: PostgresConnection) throws {
        switch envelope.type {
        case AgendaPublished.type:
            let event = try envelope.payload(AgendaPublished.self)
            try fanOut(.agenda, meetingId: event.meetingId, sourceEventId: envelope.id, on: connection)
        case MinutesApproved.type:
            let event = try envelope.payload(MinutesApproved.self)
            try fanOut(.minutes, meetingId: event.meetingId, sourceEventId: envelope.id, on: connection)
        case MeetingCancelled.type:
            let event = try envelope.payload(MeetingCancelled.self)
            try fanOut(.cancellation, meetingId: event.meetingId, sourceEventId: envelope.id, reason: event.reason, on: connection)
        case MeetingMoved.type:
            let event = try envelope.payload(MeetingMoved.self)
            try fanOut(.agenda, meetingId: event.meetingId, sourceEventId: envelope.id, moved: true, on: connection)
        case MeetingParticipantInvited.type:
            // Invited after the agenda went out: the agenda (and its invitation) to this person only.
            let event = try envelope.payload(MeetingParticipantInvited.self)
            try fanOut(.agenda, meetingId: event.meetingId, sourceEventId: envelope.id, onlyTo: event.personId, on: connection)
        default:
            break
        }
    }

    /// Creates the document and its deliveries; returns the document id, or nil when there
    /// is nothing to send (a duplicate event, a never-announced meeting's cancellation or move).
    @discardableResult
    func fanOut(
        _ kind: DocumentKind, meetingId: UUID, sourceEventId: UUID, reason: MeetingCancelled.Reason? = nil, moved: Bool = false,
        onlyTo invitee: UUID? = nil, on connection: PostgresConnection
    ) throws -> UUID? {
        guard let meeting = try connection.query(SQL("""
            SELECT m.status, m.sequence, m.agenda_published_at IS NOT NULL OR m.called_by IS NOT NULL
                   OR EXISTS (SELECT 1 FROM meeting_participants WHERE meeting_id = m.id)
                   OR EXISTS (SELECT 1 FROM documents WHERE meeting_id = m.id)
            FROM meetings m WHERE m.id = \(meetingId) FOR SHARE
            """).prepared).first else {
            throw EventRejected("\(kind.rawValue): meeting \(meetingId) does not exist")
        }
        let status = try meeting.decode(String.self, 0)
        let sequence = try meeting.decode(Int.self, 1)
        let announced = try meeting.decode(Bool.self, 2)
        var recipients: Set<UUID>
        switch kind {
        case .agenda:
            if status == MeetingStatus.cancelled.rawValue {
                // The cancellation follows on the same partition and reaches these people.
                logger.info("agenda not sent: the meeting is already cancelled", metadata: ["meeting_id": "\(meetingId)"])
                return nil
            }
            recipients = try MeetingAudience.load(meetingId: meetingId, on: connection).everyone
            if let invitee {
                // Before the agenda is published the invitee simply gets it with everyone else.
                guard status == MeetingStatus.agendaPublished.rawValue, recipients.contains(invitee) else { return nil }
                recipients = [invitee]
            }
            if moved {
                // Only a meeting whose agenda went out has invitations to move; a planned one
                // gets its agenda (with the new time) when it is published.
                guard status == MeetingStatus.agendaPublished.rawValue, try connection.query(SQL("""
                    SELECT 1 FROM documents WHERE meeting_id = \(meetingId) AND kind = 'agenda' LIMIT 1
                    """).prepared).count == 1 else { return nil }
                recipients.formUnion(try MeetingAudience.earlierRecipients(meetingId: meetingId, on: connection))
            }
        case .minutes:
            guard try connection.query(SQL("SELECT 1 FROM minutes WHERE meeting_id = \(meetingId) AND status = 'approved'").prepared).count == 1 else {
                throw EventRejected("minutes.approved: the minutes of meeting \(meetingId) are not approved")
            }
            recipients = try MeetingAudience.load(meetingId: meetingId, on: connection).everyone
        case .cancellation:
            // The beslutningsteam rule ("cancelled when no cases are submitted") is announced
            // to the participants even though no agenda went out; any other cancellation
            // only to those who heard of the meeting.
            guard announced || reason == .noCases else {
                logger.info("cancellation not sent: the meeting was never announced", metadata: ["meeting_id": "\(meetingId)"])
                return nil
            }
            recipients = try MeetingAudience.load(meetingId: meetingId, on: connection).everyone
            recipients.formUnion(try MeetingAudience.earlierRecipients(meetingId: meetingId, on: connection))
        }
        let people = try AccessFacts.people(Array(recipients), on: connection)
        let deliveries = recipients.compactMap { id -> DeliveryStore.NewDelivery? in
            guard let person = people[id], person.active else { return nil }
            return DeliveryStore.NewDelivery(recipientId: id, failureReason: person.email == nil ? "no_address" : nil)
        }.sorted { $0.recipientId.uuidString < $1.recipientId.uuidString }
        let documentId = try store.createDocument(
            .meeting(kind, meetingId: meetingId, sequence: sequence), sourceEventId: sourceEventId, recipients: deliveries, moved: moved,
            on: connection)
        if let documentId {
            logger.info("document created", metadata: [
                "document_id": "\(documentId)", "meeting_id": "\(meetingId)", "kind": "\(kind.rawValue)", "recipients": "\(deliveries.count)",
                "without_address": "\(deliveries.filter { $0.failureReason != nil }.count)",
            ])
        }
        return documentId
    }
}
