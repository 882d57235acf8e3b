/// # The notifier worker
///
/// Sends each meeting's agenda (saksliste), minutes (referat) and cancellation to the people
/// of the meeting, each copy rendered for its recipient, and announces when a document has
/// reached everyone.
///
/// ## Parts (one process; several processes may run against one database)
/// | part | when | what |
/// |---|---|---|
/// | outbox relay | NOTIFY `samtak_outbox` / 2 s | publishes this service's events |
/// | inbox consumer `samtak-notifier` | topics `meetings`, `coordination` | ``DocumentFanOut``: event → document + deliveries; ``NoticeFanOut``: handover and evaluation notices |
/// | ``DeliveryWorker`` | NOTIFY `samtak_deliveries`, a send finishing, the next due row, `SAMTAK_NOTIFIER_POLL_MS` | claim → render → send → record |
/// | ``InboxCatchUp`` | every 30 s (or the sweep period if shorter) | applies, from the outbox, the events above published more than `SAMTAK_NOTIFIER_CATCHUP_GRACE_S` ago that the broker never delivered (it restarted without its log) |
/// | ``NotifierMaintenance`` | every `SAMTAK_NOTIFIER_SWEEP_S` | announces complete-but-unannounced documents; probes a relay found unreachable |
///
/// ## Events
/// In (topic `meetings`): `agenda.published` → agenda; `minutes.approved` → minutes;
/// `meeting.cancelled` → cancellation, if the meeting had been announced (agenda published,
/// called, explicit participants, or an earlier document) or was cancelled for having no
/// cases (the beslutningsteam rule: "cancelled, cancellation sent"); `meeting.moved` of a
/// meeting whose agenda went out → the agenda again (REQUEST with the new time and
/// SEQUENCE). Others are ignored.
///
/// In (topic `coordination`): handover requested / handed over / declined / cancelled and
/// `measure.evaluation_due`, and (topic `meetings`) `minutes.overdue` → a notice (``NoticeKind``: no child data, a link into Samtak).
///
/// Out (topic `notifications`, key = meeting id, or the document id for a notice): `notification.failed` per permanently
/// failed delivery (`reason_code` only: `smtp_550`, `no_address`, `address_unusable`,
/// `retries_exhausted`, `render_failed`, `recipient_inactive`, `meeting_missing`; never an
/// address); `agenda.sent` / `minutes.sent` / `cancellation.sent` (``DocumentSent``, with
/// delivered and failed counts) once per document, when no delivery is open any more.
///
/// ## Tables (Schema/0004_notifications.sql)
/// - `documents`: id, kind, meeting, `meeting_sequence` (the iCalendar SEQUENCE the copies
///   carry), `source_event_id` UNIQUE, `recipients`, `completed_at` + counts.
/// - `deliveries`: one per (document, recipient) (UNIQUE), with the stable `message_id`
///   (``MailMessage/messageID(document:recipient:)``), `state`, `attempts`,
///   `next_attempt_at`, `lease_token`, `last_error`, `failure_reason`, `sent_at`, `failed_at`.
/// - view `meeting_deliveries`: per meeting, each delivery with the recipient's name, state
///   and reason code (what the meeting's owner sees of failures).
///
/// ## Fan-out (exactly once by construction)
/// The consumer applies each event in one transaction with its `inbox` row: the document
/// row (UNIQUE `source_event_id`) and all its delivery rows (UNIQUE (document, recipient))
/// commit together with "event seen", or not at all. A redelivered event finds its inbox
/// row and does nothing. Recipients (``MeetingAudience``): arena participants resolved to
/// persons, the arena owner, explicit meeting participants, the owners of the cases on the
/// agenda and the guardians of children whose named cases are on it; a cancellation also
/// reaches everyone an earlier document of the meeting went to. A person without an e-mail
/// address gets a delivery that is `failed` (`no_address`) from the start, announced like
/// any permanent failure.
///
/// ## A delivery's state machine
/// ```
///  (created) ──────────────────────────────────────────────▶ failed   (no_address)
///  pending ──claim (attempts+1, lease, commit)──▶ sending ──250──▶ sent
///                                                 sending ──4xx / no connection──▶ pending (next_attempt_at = now + backoff)
///                                                 sending ──5xx / attempts exhausted──▶ failed (+ notification.failed)
///                                                 sending ──lease expired (worker died)──▶ claimed again (same Message-ID)
/// ```
/// Backoff: `SAMTAK_NOTIFIER_RETRY_BASE_MS` doubling per attempt, at most
/// `SAMTAK_NOTIFIER_RETRY_MAX_S`, ±20 % jitter; given up after `SAMTAK_NOTIFIER_MAX_ATTEMPTS`.
/// While the relay does not answer at all, workers also pause claiming (``SMTPHealth``).
///
/// ## Claiming, several workers and processes
/// A claim is its own short transaction: `FOR UPDATE SKIP LOCKED` on due rows (pending and
/// due, or `sending` with an expired lease), set `sending`, `attempts + 1`, a new
/// `lease_token` and `next_attempt_at = now + lease`, commit. So no two workers, in one
/// process or many, hold one row; the send happens outside any transaction. A worker
/// records the outcome only `WHERE state = 'sending' AND lease_token = <its token>`: a
/// worker that lost its lease changes nothing.
///
/// ## Rendering at send time
/// Copies are rendered from the database when they are sent, not at fan-out: per agenda
/// item `AccessPolicy.caseAccess` decides for this recipient (principal = the recipient with
/// their memberships; arena participant = recipient by participation): full → title and
/// presenter; redacted → "Sak 3: elev 5. trinn, anonymisert"; denied → left out. A consent
/// withdrawn before the send therefore takes effect on it. Arenas in `notice` mode get
/// only a notice with the read link (`SAMTAK_PUBLIC_URL` + `/v1/meetings/<id>[/minutes]`).
/// Agendas carry an iCalendar REQUEST, cancellations a CANCEL, with the document's
/// SEQUENCE. Each copy that names a child is written to `access_log` (action `send`,
/// actor = the recipient, basis and consent) in the transaction that records it sent.
///
/// ## Exactly one e-mail per recipient per document, and the re-send window
/// The database guarantees that a delivery is sent by one worker at a time and, once
/// recorded `sent`, never again. One window remains: a worker that dies (or loses its
/// database) after the relay accepted the message and before `sent` commits. Its lease
/// runs out, another worker claims the row and sends it again **with the same
/// Message-ID**. That second copy is the duplicate SMTP itself cannot rule out (RFC 1047);
/// receiving systems drop a message whose Message-ID they already hold, and the test
/// sink does the same (one message per (recipient, Message-ID), re-sends counted). The
/// lease (`SAMTAK_NOTIFIER_LEASE_S`) must exceed the SMTP timeout, so a live worker never
/// loses a row in the middle of a send; a worker claims ahead of its sends only as far as
/// the lease also covers the wait of a queued copy (``NotifierConfiguration/claimDepth``).
///
/// ## Completion ("minutes sent")
/// The transaction that records a delivery's final state then locks its document row
/// (`SELECT ... FOR UPDATE`), checks that no delivery is pending or sending, sets
/// `completed_at` and appends `DocumentSent`. Each finisher changes its row before taking
/// the lock, so the last one to take it sees all the others: the event is appended exactly
/// once. The sweep does the same for any document left complete but unannounced.
///
/// ## Readiness
/// `/health/ready` also reports the consumer and `smtp` (``SMTPHealth``): not ready while
/// sends fail without any SMTP reply (relay down or unreachable), ready again at the first
/// reply or when a TCP probe (every sweep period while unreachable) connects. An idle
/// notifier that has not needed the relay yet is ready: the relay is a dependency of
/// sending, not of starting.
import Foundation
import Logging
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import ServiceLifecycle

/// Everything the notifier does, on one pool and one outbox. Tests build one on a test
/// database; the executable builds one from a `ServiceHost`.
public struct Notifier: Sendable {
    public let pool: PostgresPool
    public let configuration: NotifierConfiguration
    public let logger: Logger
    public let fanOut: DocumentFanOut
    public let notices: NoticeFanOut
    public let worker: DeliveryWorker
    public let health: SMTPHealth
    let store: DeliveryStore
    let maintenance: NotifierMaintenance

    public init(pool: PostgresPool, outbox: Outbox, configuration: NotifierConfiguration, logger: Logger) throws {
        self.pool = pool
        self.configuration = configuration
        self.logger = logger
        store = DeliveryStore(outbox: outbox)
        health = SMTPHealth(configuration: configuration.smtp)
        fanOut = DocumentFanOut(store: store, logger: logger)
        notices = NoticeFanOut(store: store, logger: logger)
        let composer = DocumentComposer(renderer: try DocumentRenderer(), from: configuration.from, publicURL: configuration.publicURL)
        let sender = SMTPSender(configuration: configuration.smtp, threadCount: configuration.workers)
        worker = DeliveryWorker(pool: pool, store: store, composer: composer, sender: sender, configuration: configuration,
                                health: health, logger: logger)
        maintenance = NotifierMaintenance(pool: pool, store: store, health: health, configuration: configuration, logger: logger)
    }

    /// The event types the consumer acts on.
    public static let eventTypes = DocumentFanOut.eventTypes + NoticeKind.eventTypes

    /// The consumer's handler: meeting documents or notices.
    public func apply(_ envelope: EventEnvelope, on connection: PostgresConnection) throws {
        if NoticeKind.eventTypes.contains(envelope.type) {
            try notices.apply(envelope, on: connection)
        } else {
            try fanOut.apply(envelope, on: connection)
        }
    }

    /// The delivery worker and the maintenance loop.
    public func services() -> [any Service] { [worker, maintenance] }

    /// Runs the delivery worker and the maintenance loop until cancelled (tests; the
    /// executable runs ``services()`` in its service group).
    public func runWorkers() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            for service in services() {
                group.addTask { try await service.run() }
            }
        }
    }

    /// Announces complete-but-unannounced documents now (the maintenance loop does it periodically).
    public func sweep() async throws -> Int {
        let store = self.store
        return try await pool.withTransaction { connection in try store.sweep(on: connection) }
    }
}

/// The `samtak-notifier` service as the executable runs it.
public enum NotifierService {
    public static let consumerName = DeploymentConsumers.notifier.name

    /// Reads the configuration (exit status 2 and a message on a bad value), then runs the
    /// relay, the consumer, the delivery worker and the maintenance loop until SIGTERM.
    public static func run() async throws {
        let host = ServiceHost.start(serviceName: "samtak-notifier", defaultHTTPPort: 8082)
        let notifier: Notifier
        do {
            let configuration = try NotifierConfiguration(environment: host.configuration.environment)
            notifier = try Notifier(pool: host.pool, outbox: host.outbox, configuration: configuration, logger: host.logger)
        } catch {
            FileHandle.standardError.write(Data("samtak-notifier: \(error)\n".utf8))
            exit(2)
        }
        let consumer = host.makeConsumer(.init(name: consumerName, topics: DeploymentConsumers.notifier.topics,
                                               handledTypes: Set(Notifier.eventTypes))) { envelope, connection in
            try notifier.apply(envelope, on: connection)
        }
        // Events the broker lost (a restart without its log) are taken from the outbox.
        let catchUp = InboxCatchUp(consumer: consumer, configuration: .init(
            eventTypes: Notifier.eventTypes, grace: notifier.configuration.catchUpGrace,
            period: min(notifier.configuration.sweepInterval, .seconds(30))), logger: host.logger)
        let health = notifier.health
        host.dependencies.addCheck("consumer") { consumer.isRunning ? nil : "not consuming yet" }
        host.dependencies.addCheck("smtp") { health.problem }
        try await host.run(router: host.makeRouter(), workers: [host.makeRelay(), consumer, catchUp] + notifier.services())
    }
}
