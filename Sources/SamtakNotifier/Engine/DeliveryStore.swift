import Foundation
import SamtakDomain
import SamtakMessaging
import SamtakPostgres

/// A delivery a worker has claimed (state `sending`, leased to `token`).
struct ClaimedDelivery: Sendable, Equatable {
    var id: UUID
    var documentId: UUID
    var recipientId: UUID
    var messageID: String
    /// Including this one.
    var attempts: Int
    /// Claimed again because an earlier worker's lease ran out (it may have sent already).
    var reclaimed: Bool
    /// The trace of the document's fan-out (`documents.traceparent`), which the send continues.
    var traceparent: String? = nil
}

/// One claim round's result.
struct DeliveryClaim: Sendable {
    var token: UUID
    var deliveries: [ClaimedDelivery]
    /// Seconds until the next row becomes due (a retry or a lease running out); nil when
    /// nothing is pending or sending.
    var nextDueIn: Double?
}

/// A child's data disclosed in a sent message (recorded in `access_log`).
struct Disclosure: Sendable, Equatable {
    /// Nil: a named case shown redacted (the read is recorded; the child is not disclosed).
    var childId: UUID?
    var basis: AccessBasis
    var consentId: UUID?
    var resource: String
    var meetingId: UUID
}

/// How a send ended.
enum DeliveryOutcome: Sendable, Equatable {
    /// Sent or failed: nothing more will happen to the delivery.
    var isFinal: Bool {
        if case .retry = self { false } else { true }
    }

    case sent(disclosures: [Disclosure])
    /// Transient: back to `pending`, due again after `delay`.
    case retry(code: String, delay: Duration)
    /// Permanent: `failed` with a reason code, announced as `notification.failed`.
    case failed(reason: String)
}

/// The SQL of the delivery state machine (see `NotifierService.swift` for the design).
/// Every function runs inside the caller's transaction.
struct DeliveryStore: Sendable {
    let outbox: Outbox

    // MARK: Creating

    struct NewDelivery: Sendable {
        var recipientId: UUID
        /// nil: the recipient has no e-mail address (stored `failed`, `no_address`).
        var failureReason: String?
    }

    /// What a document is: a meeting's agenda, minutes or cancellation, or a notice.
    enum Header: Sendable {
        case meeting(DocumentKind, meetingId: UUID, sequence: Int)
        case notice(NoticeKind, linkPath: String)

        var meetingId: UUID? {
            if case .meeting(_, let meetingId, _) = self { meetingId } else { nil }
        }
    }

    /// Inserts a document and its deliveries; announces the failures known already (no
    /// address) and, when nothing is left to send, the document itself. Returns nil when
    /// the source event already made a document.
    /// `moved`: an agenda sent again because its meeting was moved (the family's notice says so).
    func createDocument(_ header: Header, sourceEventId: UUID, recipients: [NewDelivery], moved: Bool = false,
                        on connection: PostgresConnection) throws -> UUID? {
        let documentId = UUID()
        let (kind, sequence, notice, linkPath): (String, Int?, String?, String?) = switch header {
        case .meeting(let kind, _, let sequence): (kind.rawValue, sequence, nil, nil)
        case .notice(let notice, let linkPath): ("notice", nil, notice.rawValue, linkPath)
        }
        let meetingId = header.meetingId
        let inserted = try connection.execute(SQL("""
            INSERT INTO documents (id, kind, meeting_id, meeting_sequence, source_event_id, recipients, notice, link_path, traceparent, moved)
            VALUES (\(documentId), \(kind), \(meetingId)::uuid, \(sequence)::int4, \(sourceEventId), \(recipients.count), \(notice)::text,
                    \(linkPath)::text, \(TracePropagation.traceparent())::text, \(moved))
            ON CONFLICT (source_event_id) DO NOTHING
            """).prepared)
        guard inserted == 1 else { return nil }
        let ids = recipients.map { _ in UUID() }
        if !recipients.isEmpty {
            let people = recipients.map(\.recipientId)
            let messageIDs = people.map { MailMessage.messageID(document: documentId, recipient: $0) }
            let reasons = recipients.map { $0.failureReason ?? "" }
            try connection.execute(SQL("""
                INSERT INTO deliveries (id, document_id, recipient_id, message_id, state, failure_reason, failed_at)
                SELECT r.id, \(documentId), r.recipient_id, r.message_id,
                       CASE WHEN r.reason = '' THEN 'pending' ELSE 'failed' END,
                       nullif(r.reason, ''), CASE WHEN r.reason = '' THEN NULL ELSE now() END
                FROM unnest(\(ids)::uuid[], \(people)::uuid[], \(messageIDs)::text[], \(reasons)::text[])
                     AS r(id, recipient_id, message_id, reason)
                """).prepared)
        }
        for (id, recipient) in zip(ids, recipients) {
            if let reason = recipient.failureReason {
                try outbox.append(NotificationFailed(meetingId: meetingId, documentId: documentId, deliveryId: id, reasonCode: reason),
                                  on: connection)
            }
        }
        _ = try completeIfDone(documentId: documentId, on: connection)
        return documentId
    }

    // MARK: Claiming

    /// Takes up to `limit` due rows (pending and due, or sending with an expired lease),
    /// skipping rows other workers hold, and leases them to a new token.
    func claim(limit: Int, lease: Duration, on connection: PostgresConnection) throws -> DeliveryClaim {
        let token = UUID()
        let leaseMilliseconds = Int(lease.components.seconds * 1000 + lease.components.attoseconds / 1_000_000_000_000_000)
        var deliveries: [ClaimedDelivery] = []
        if limit > 0 {
            deliveries = try connection.query(SQL("""
                WITH due AS (
                    SELECT id, state FROM deliveries
                    WHERE state IN ('pending', 'sending') AND next_attempt_at <= now()
                    ORDER BY next_attempt_at, id
                    LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                )
                UPDATE deliveries d SET state = 'sending', attempts = d.attempts + 1, lease_token = \(token),
                    next_attempt_at = clock_timestamp() + make_interval(secs => \(leaseMilliseconds) / 1000.0), updated_at = now()
                FROM due WHERE d.id = due.id
                RETURNING d.id, d.document_id, d.recipient_id, d.message_id, d.attempts, due.state,
                          (SELECT traceparent FROM documents WHERE id = d.document_id)
                """).prepared).map { row throws(PostgresError) in
                ClaimedDelivery(
                    id: try row.decode(UUID.self, 0), documentId: try row.decode(UUID.self, 1), recipientId: try row.decode(UUID.self, 2),
                    messageID: try row.decode(String.self, 3), attempts: try row.decode(Int.self, 4),
                    reclaimed: try row.decode(String.self, 5) == "sending", traceparent: try row.decode(String?.self, 6))
            }
        }
        let next = try connection.query(SQL("""
            SELECT extract(epoch FROM (min(next_attempt_at) - clock_timestamp()))::float8
            FROM deliveries WHERE state IN ('pending', 'sending')
            """).prepared).first?.decode(Double?.self, 0)
        return DeliveryClaim(token: token, deliveries: deliveries, nextDueIn: next)
    }

    // MARK: Finishing

    enum FinishResult: Sendable, Equatable {
        case applied(completed: Bool)
        /// The lease ran out and another worker claimed the row; nothing was changed.
        case leaseLost
    }

    /// Records how a send ended, if this worker still holds the row, and announces a
    /// permanent failure. Completing the document follows after commit (``hasOpenDeliveries``).
    func finish(_ delivery: ClaimedDelivery, token: UUID, outcome: DeliveryOutcome, on connection: PostgresConnection) throws -> FinishResult {
        let update: SQL
        switch outcome {
        case .sent:
            update = """
                UPDATE deliveries d SET state = 'sent', sent_at = now(), lease_token = NULL, last_error = NULL, updated_at = now()
                FROM documents doc
                WHERE d.id = \(delivery.id) AND d.state = 'sending' AND d.lease_token = \(token) AND doc.id = d.document_id
                RETURNING doc.meeting_id, doc.kind
                """
        case .retry(let code, let delay):
            let milliseconds = Int(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)
            update = """
                UPDATE deliveries d SET state = 'pending', lease_token = NULL, last_error = \(code),
                    next_attempt_at = now() + make_interval(secs => \(milliseconds) / 1000.0), updated_at = now()
                FROM documents doc
                WHERE d.id = \(delivery.id) AND d.state = 'sending' AND d.lease_token = \(token) AND doc.id = d.document_id
                RETURNING doc.meeting_id, doc.kind
                """
        case .failed(let reason):
            update = """
                UPDATE deliveries d SET state = 'failed', failure_reason = \(reason), failed_at = now(), lease_token = NULL, updated_at = now()
                FROM documents doc
                WHERE d.id = \(delivery.id) AND d.state = 'sending' AND d.lease_token = \(token) AND doc.id = d.document_id
                RETURNING doc.meeting_id, doc.kind
                """
        }
        guard let row = try connection.query(update.prepared).first else { return .leaseLost }
        let meetingId = try row.decode(UUID?.self, 0)
        switch outcome {
        case .sent(let disclosures):
            for disclosure in disclosures {
                try connection.execute(SQL("""
                    INSERT INTO access_log (actor_id, action, resource, resource_id, child_id, basis, consent_id, request_id)
                    VALUES (\(delivery.recipientId), 'send', \(disclosure.resource), \(disclosure.meetingId), \(disclosure.childId),
                            \(disclosure.basis.rawValue), \(disclosure.consentId), \("delivery:" + delivery.id.uuidString.lowercased()))
                    """).prepared)
            }
        case .failed(let reason):
            try outbox.append(NotificationFailed(meetingId: meetingId, documentId: delivery.documentId, deliveryId: delivery.id, reasonCode: reason),
                              on: connection)
        case .retry:
            break
        }
        // Completion is the caller's next, separate step (``hasOpenDeliveries``): taking
        // the document's lock here would make every finisher of a fan-out queue on one row.
        return .applied(completed: false)
    }

    /// Run after a delivery's final state has committed: the document is completed (with
    /// ``completeIfDone``) if nothing is open any more. The first read takes no lock, so the finishers of a large fan-out
    /// do not queue on the document row; of finishers committing together, the last to
    /// commit sees no open delivery (it reads after its own commit and theirs), and
    /// ``completeIfDone`` counts again under the row lock, so the document is announced
    /// once. If this step is lost (the process dies between the two), the sweep does it.
    /// This is the lock-free first read (one statement, no transaction needed).
    func hasOpenDeliveries(documentId: UUID, on connection: PostgresConnection) throws -> Bool {
        try connection.query(SQL("""
            SELECT EXISTS (SELECT 1 FROM deliveries WHERE document_id = \(documentId) AND state IN ('pending', 'sending'))
            """).prepared).first?.decode(Bool.self, 0) ?? true
    }

    // MARK: Completing

    /// Completes the document if none of its deliveries is open: sets `completed_at` and
    /// appends `agenda.sent` / `minutes.sent` / `cancellation.sent`. The row lock makes the
    /// check-and-set exactly once: every finisher changes its delivery first, then takes
    /// the lock, then counts; the last one to take the lock sees every other finisher's
    /// committed change.
    func completeIfDone(documentId: UUID, on connection: PostgresConnection) throws -> Bool {
        guard let document = try connection.query(SQL("""
            SELECT kind, meeting_id, completed_at IS NOT NULL FROM documents WHERE id = \(documentId) FOR UPDATE
            """).prepared).first, try !document.decode(Bool.self, 2)
        else { return false }
        // A notice (no meeting) is completed like the others but not announced.
        let kind = DocumentKind(rawValue: try document.decode(String.self, 0))
        let open = try connection.query(SQL("""
            SELECT EXISTS (SELECT 1 FROM deliveries WHERE document_id = \(documentId) AND state IN ('pending', 'sending'))
            """).prepared).first?.decode(Bool.self, 0) ?? true
        if open { return false }
        guard let counts = try connection.query(SQL("""
            SELECT count(*) FILTER (WHERE state = 'sent'), count(*) FILTER (WHERE state = 'failed') FROM deliveries WHERE document_id = \(documentId)
            """).prepared).first else { return false }
        let delivered = try counts.decode(Int.self, 0)
        let failed = try counts.decode(Int.self, 1)
        try connection.execute(SQL("""
            UPDATE documents SET completed_at = now(), delivered = \(delivered), failed = \(failed) WHERE id = \(documentId)
            """).prepared)
        if let kind, let meetingId = try document.decode(UUID?.self, 1) {
            try outbox.append(DocumentSent(meetingId: meetingId, documentId: documentId, documentKind: kind, delivered: delivered, failed: failed),
                              on: connection)
        }
        return true
    }

    /// Completes documents that have nothing open but were never announced (a safety net:
    /// the finishing transaction normally does it). Returns how many it completed.
    func sweep(limit: Int = 100, on connection: PostgresConnection) throws -> Int {
        let candidates = try connection.query(SQL("""
            SELECT doc.id FROM documents doc
            WHERE doc.completed_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.document_id = doc.id AND d.state IN ('pending', 'sending'))
            ORDER BY doc.created_at LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
            """).prepared).map { row throws(PostgresError) in try row.decode(UUID.self, 0) }
        var completed = 0
        for id in candidates where try completeIfDone(documentId: id, on: connection) {
            completed += 1
        }
        return completed
    }
}
