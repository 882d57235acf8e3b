import Foundation
import Logging
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakStore

/// Notices about the cooperation around one child (Schema/0006_notices.sql): who is told
/// what, on which event (topic `coordination`, and `meetings` for `minutes.overdue`).
///
/// | event | notice | to | link |
/// |---|---|---|---|
/// | `coordinator.handover_requested` | `handover_requested` | the person asked to take over | `/v1/coordinator-handovers/<id>` |
/// | `coordinator.handed_over` | `handed_over` | the old and the new coordinator | `/v1/children/<id>/coordinator` |
/// | `coordinator.handover_closed` (declined) | `handover_declined` | the coordinator who asked | `/v1/coordinator-handovers/<id>` |
/// | `coordinator.handover_closed` (cancelled) | `handover_cancelled` | the person who had been asked | `/v1/coordinator-handovers/<id>` |
/// | `measure.evaluation_due` | `evaluation_due` | the measure's owner and the child's coordinator | the coordination log |
/// | `minutes.overdue` | `minutes_overdue` | the ansvarsgruppe meeting's organiser | `/v1/meetings/<id>/minutes` |
/// | `referral.information_requested` | `referral_information_requested` | the referrer (while it still waits) | `/v1/referrals/<id>` |
/// | `referral_follow_up.created` | `referral_follow_up_assigned` | the task's owner (while it is open) | `/v1/referral-follow-ups` |
/// | `referral_follow_up.overdue` | `referral_follow_up_overdue` | the owner and the intake arena's owner (while open) | `/v1/referral-follow-ups` |
/// | `talk.reminder_due` | `talk_reminder` | the child's guardians with parental responsibility (while booked) | `/samtaler/<round id>` |
/// | `bullying_team.established` | `bullying_team_established` | the person responsible, the formally responsible and the members, not whoever set it up | `/mobbing/<team id>` |
///
/// A notice is a document without a meeting, fanned out in the consumer's inbox
/// transaction like the meeting documents (so once per event) and delivered by the same
/// worker, state machine and Message-ID rule. It names no child and carries no content:
/// e-mail is not a safe channel for it, and the link leads to Samtak, where the access
/// rules (and the access log) apply.
public enum NoticeKind: String, Sendable, CaseIterable {
    case handoverRequested = "handover_requested"
    case handedOver = "handed_over"
    case handoverDeclined = "handover_declined"
    case handoverCancelled = "handover_cancelled"
    case evaluationDue = "evaluation_due"
    case minutesOverdue = "minutes_overdue"
    case referralInformationRequested = "referral_information_requested"
    case referralFollowUpAssigned = "referral_follow_up_assigned"
    case referralFollowUpOverdue = "referral_follow_up_overdue"
    case talkReminder = "talk_reminder"
    case bullyingTeamEstablished = "bullying_team_established"

    /// The event types that make notices.
    public static let eventTypes = [
        CoordinatorHandoverRequested.type, CoordinatorHandedOver.type, CoordinatorHandoverClosed.type, MeasureEvaluationDue.type,
        MinutesOverdue.type, ReferralInformationRequested.type, ReferralFollowUpCreated.type, ReferralFollowUpOverdue.type,
        MinutesOverdue.type, TalkReminderDue.type, BullyingTeamEstablished.type,
    ]

    /// Subject and body text (bokmål).
    var text: (subject: String, body: String) {
        switch self {
        case .handoverRequested:
            ("Samtak: Du er spurt om å overta som koordinator",
             "Du er spurt om å overta som koordinator for et barn. Godta eller avslå forespørselen i Samtak.")
        case .handedOver:
            ("Samtak: Koordinatoransvaret er overført",
             "Koordinatoransvaret for et barn du har fulgt opp, er overført. Overføringen er logget i Samtak.")
        case .handoverDeclined:
            ("Samtak: Forespørselen om å overta som koordinator er avslått",
             "Personen du spurte om å overta som koordinator, har avslått. Du er fortsatt koordinator.")
        case .handoverCancelled:
            ("Samtak: Forespørselen om å overta som koordinator er trukket",
             "Forespørselen om å overta som koordinator for et barn er trukket tilbake. Du trenger ikke gjøre noe.")
        case .evaluationDue:
            ("Samtak: Et tiltak skal evalueres",
             "Et tiltak du har ansvar for eller koordinerer, har passert evalueringsdatoen. Før evalueringen i koordineringsloggen.")
        case .minutesOverdue:
            ("Samtak: Referatet fra et ansvarsgruppemøte mangler",
             "Et ansvarsgruppemøte du er møteleder for, er holdt, men referatet er ikke godkjent. Skriv og godkjenn referatet i Samtak.")
        case .referralInformationRequested:
            ("Samtak: Inntaksmøtet ber om flere opplysninger i en henvisning",
             "Inntaksmøtet for BUP trenger flere opplysninger i en henvisning du har sendt. Se hva som mangler, og fullfør henvisningen i Samtak.")
        case .referralFollowUpAssigned:
            ("Samtak: Du skal følge opp en avslått henvisning",
             "En henvisning til BUP er avslått, og du er satt som ansvarlig for kommunens oppfølging. Se oppgaven og fristen i Samtak.")
        case .referralFollowUpOverdue:
            ("Samtak: Fristen for å følge opp en avslått henvisning er passert",
             "Oppfølgingen av en avslått henvisning til BUP har passert fristen uten å være avsluttet. Avslutt den med et utfall i Samtak.")
        case .talkReminder:
            ("Samtak: Påminnelse om samtale i morgen",
             "Du har en utviklingssamtale eller foreldresamtale i morgen. Se tidspunktet, last det ned i kalenderen eller flytt samtalen i Samtak.")
        case .bullyingTeamEstablished:
            ("Samtak: Du er med i et team mot mobbing",
             "Skolen har satt ned et team mot mobbing rundt en elev, og du er med i teamet eller har ansvar for det. Se teamet, hvem som er med og hvem som har ansvaret, i Samtak.")
        }
    }
}

/// The consumer's handler for the notice events: one notice document per event, with
/// a delivery per recipient.
public struct NoticeFanOut: Sendable {
    let store: DeliveryStore
    let logger: Logger

    init(store: DeliveryStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// A notice about something older than this is not sent (a consumer newly subscribed to
    /// a topic with a long history, a backlog after a long outage).
    static let maximumAge: TimeInterval = 7 * 86400

    public func apply(_ envelope: EventEnvelope, on connection: PostgresConnection) throws {
        guard NoticeKind.eventTypes.contains(envelope.type) else { return }
        guard envelope.time > Date().addingTimeInterval(-Self.maximumAge) else {
            logger.info("notice not sent: the event is too old", metadata: ["event_type": "\(envelope.type)", "event_id": "\(envelope.id)"])
            return
        }
        let notice: NoticeKind
        let recipients: [UUID]
        let path: String
        // Each notice is sent only while what it says still holds: an event may arrive late
        // (redelivered, or taken from the outbox after the broker lost it) and after newer ones.
        switch envelope.type {
        case CoordinatorHandoverRequested.type:
            let event = try envelope.payload(CoordinatorHandoverRequested.self)
            guard try stillHolds(SQL("SELECT 1 FROM coordinator_handovers WHERE id = \(event.handoverId) AND status = 'pending'"), envelope, on: connection) else { return }
            (notice, recipients, path) = (.handoverRequested, [event.toPersonId], "/v1/coordinator-handovers/\(Self.id(event.handoverId))")
        case CoordinatorHandedOver.type:
            let event = try envelope.payload(CoordinatorHandedOver.self)
            (notice, recipients, path) = (.handedOver, [event.fromPersonId, event.toPersonId], "/v1/children/\(Self.id(event.childId))/coordinator")
        case CoordinatorHandoverClosed.type:
            let event = try envelope.payload(CoordinatorHandoverClosed.self)
            path = "/v1/coordinator-handovers/\(Self.id(event.handoverId))"
            switch event.status {
            case .declined: (notice, recipients) = (.handoverDeclined, [event.fromPersonId])
            case .cancelled: (notice, recipients) = (.handoverCancelled, [event.toPersonId])
            case .accepted, .pending: return  // accepted: `coordinator.handed_over` tells both
            }
        case MeasureEvaluationDue.type:
            let event = try envelope.payload(MeasureEvaluationDue.self)
            guard try stillHolds(SQL("""
                SELECT 1 FROM coordination_measures WHERE id = \(event.measureId) AND status = 'active'
                  AND evaluation_due_on = \(event.evaluationDueOn) AND evaluation_due_notified_at IS NOT NULL
                """), envelope, on: connection) else { return }
            let log = event.logId.map { "/v1/coordination-logs/\(Self.id($0))" } ?? "/v1/children/\(Self.id(event.childId))/coordination-log"
            (notice, recipients, path) = (.evaluationDue, [event.ownerId] + (event.coordinatorPersonId.map { [$0] } ?? []), log)
        case MinutesOverdue.type:
            let event = try envelope.payload(MinutesOverdue.self)
            guard try stillHolds(SQL("""
                SELECT 1 FROM meetings m WHERE m.id = \(event.meetingId) AND m.status <> 'cancelled'
                  AND NOT EXISTS (SELECT 1 FROM minutes mi WHERE mi.meeting_id = m.id AND mi.status = 'approved')
                """), envelope, on: connection) else { return }
            (notice, recipients, path) = (.minutesOverdue, [event.organiserId], "/v1/meetings/\(Self.id(event.meetingId))/minutes")
        case ReferralInformationRequested.type:
            let event = try envelope.payload(ReferralInformationRequested.self)
            guard try stillHolds(SQL("SELECT 1 FROM cases WHERE id = \(event.caseId) AND status = 'awaiting_information'"), envelope, on: connection) else { return }
            (notice, recipients, path) = (.referralInformationRequested, [event.referrerId], "/v1/referrals/\(Self.id(event.caseId))")
        case ReferralFollowUpCreated.type:
            let event = try envelope.payload(ReferralFollowUpCreated.self)
            guard try stillHolds(SQL("SELECT 1 FROM referral_follow_ups WHERE id = \(event.followUpId) AND status = 'open'"), envelope, on: connection) else { return }
            (notice, recipients, path) = (.referralFollowUpAssigned, [event.ownerId], "/v1/referral-follow-ups")
        case ReferralFollowUpOverdue.type:
            let event = try envelope.payload(ReferralFollowUpOverdue.self)
            guard try stillHolds(SQL("SELECT 1 FROM referral_follow_ups WHERE id = \(event.followUpId) AND status = 'open'"), envelope, on: connection) else { return }
            (notice, recipients, path) = (.referralFollowUpOverdue, [event.ownerId] + (event.arenaOwnerId.map { [$0] } ?? []), "/v1/referral-follow-ups")
        case TalkReminderDue.type:
            let event = try envelope.payload(TalkReminderDue.self)
            // Only while the booking stands (not cancelled or moved since).
            guard try stillHolds(SQL("""
                SELECT 1 FROM talk_bookings WHERE slot_id = \(event.slotId) AND child_id = \(event.childId) AND reminded_at IS NOT NULL
                """), envelope, on: connection) else { return }
            let guardians = try connection.query(SQL("""
                SELECT guardian_id FROM guardianships WHERE child_id = \(event.childId) AND parental_responsibility
                """).prepared).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
            (notice, recipients, path) = (.talkReminder, guardians, "/samtaler/\(Self.id(event.roundId))")
        case BullyingTeamEstablished.type:
            let event = try envelope.payload(BullyingTeamEstablished.self)
            // The team as it stands when the event is applied (members are set with the team).
            let people = try connection.query(SQL("""
                SELECT t.responsible_id, t.formally_responsible_id, t.created_by, m.person_id
                FROM bullying_teams t LEFT JOIN bullying_team_members m ON m.team_id = t.id WHERE t.id = \(event.teamId)
                """).prepared)
            guard let first = people.first else {
                logger.info("notice not sent: no longer the case", metadata: ["event_type": "\(envelope.type)", "event_id": "\(envelope.id)"])
                return
            }
            let createdBy = try first.decode(UUID.self, 2)
            var told: Set<UUID> = [try first.decode(UUID.self, 0), try first.decode(UUID.self, 1)]
            for row in people { if let member = try row.decode(UUID?.self, 3) { told.insert(member) } }
            told.remove(createdBy)
            guard !told.isEmpty else { return }  // whoever set it up is the only one in it
            (notice, recipients, path) = (.bullyingTeamEstablished, Array(told), "/mobbing/\(Self.id(event.teamId))")
        default:
            return
        }
        try create(notice, recipients: recipients, path: path, sourceEventId: envelope.id, on: connection)
    }

    private func create(_ notice: NoticeKind, recipients: [UUID], path: String, sourceEventId: UUID, on connection: PostgresConnection) throws {
        let unique = Array(Set(recipients))
        let people = try AccessFacts.people(unique, on: connection)
        let deliveries = unique.compactMap { id -> DeliveryStore.NewDelivery? in
            guard let person = people[id], person.active else { return nil }
            return DeliveryStore.NewDelivery(recipientId: id, failureReason: person.email == nil ? "no_address" : nil)
        }.sorted { $0.recipientId.uuidString < $1.recipientId.uuidString }
        if let documentId = try store.createDocument(.notice(notice, linkPath: path), sourceEventId: sourceEventId, recipients: deliveries, on: connection) {
            logger.info("notice created", metadata: [
                "document_id": "\(documentId)", "notice": "\(notice.rawValue)", "recipients": "\(deliveries.count)",
            ])
        }
    }

    private static func id(_ uuid: UUID) -> String { uuid.uuidString.lowercased() }

    /// Whether `query` finds a row; logs the skip otherwise.
    private func stillHolds(_ query: SQL, _ envelope: EventEnvelope, on connection: PostgresConnection) throws -> Bool {
        if try !connection.query(query.prepared).isEmpty { return true }
        logger.info("notice not sent: no longer the case", metadata: ["event_type": "\(envelope.type)", "event_id": "\(envelope.id)"])
        return false
    }
}

/// What a notice's copies are made from.
struct NoticeFacts: Sendable {
    var kind: NoticeKind
    var linkPath: String

    /// The notices among `documentIds`.
    static func load(_ documentIds: [UUID], on connection: PostgresConnection) throws -> [UUID: NoticeFacts] {
        var notices: [UUID: NoticeFacts] = [:]
        for row in try connection.query(SQL("""
            SELECT id, notice, link_path FROM documents WHERE id = ANY(\(documentIds)) AND kind = 'notice'
            """).prepared) {
            guard let kind = NoticeKind(rawValue: try row.decode(String.self, 1)) else { continue }
            notices[try row.decode(UUID.self, 0)] = NoticeFacts(kind: kind, linkPath: try row.decode(String.self, 2))
        }
        return notices
    }

    /// One recipient's copy: a short text and HTML body with the link, nothing about the child.
    func mail(to recipient: Recipient, from: Recipient, publicURL: String, messageID: String, now: Date) -> ComposedMail {
        let (subject, body) = kind.text
        let link = publicURL + linkPath
        let greeting = recipient.name.isEmpty ? "Hei," : "Hei \(recipient.name),"
        let privacy = "Av personvernhensyn står ingen opplysninger om barnet i denne e-posten."
        let text = "\(greeting)\n\n\(body)\n\n\(link)\n\n\(privacy)\n\nHilsen Samtak\n"
        let html = """
            <!DOCTYPE html><html lang="nb"><head><meta charset="utf-8"><title>\(Self.escape(subject))</title></head><body>
            <p>\(Self.escape(greeting))</p><p>\(Self.escape(body))</p><p><a href="\(Self.escape(link))">Åpne i Samtak</a></p>
            <p>\(Self.escape(privacy))</p><p>Hilsen Samtak</p></body></html>
            """
        let message = MailMessage(from: from, to: recipient, subject: subject, messageID: messageID, date: now, text: text, html: html, calendar: nil)
        return ComposedMail(raw: message.render(), to: recipient.email, disclosures: [])
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
