/// # The scheduler worker
///
/// Turns arenas' recurrence rules into meetings, submitted cases into agenda items, due
/// agendas into published ones, and empty "cancel when empty" meetings into cancelled ones.
/// PostgreSQL is the system of record and the judge of every race; every change is made
/// in one transaction together with the event that announces it (`Outbox.append`).
///
/// ## Parts (one process)
/// | part | when | what |
/// |---|---|---|
/// | outbox relay | NOTIFY / 2 s | publishes this service's events |
/// | inbox consumer `samtak-scheduler` | topics `cases`, `arenas`, `meetings` | ``SchedulerEvents`` |
/// | planner (``SeriesPlanner``) | at start, on `arena.changed`, every `SAMTAK_SCHEDULER_PLAN_INTERVAL_S` | meetings of the horizon |
/// | agenda publisher (``AgendaPublisher``) | every `SAMTAK_SCHEDULER_TICK_MS` | due agendas published or cancelled |
/// | catch-up (``InboxCatchUp``) | every 30 s | events published over 60 s ago that the broker never delivered, applied from the outbox |
/// | reconciliation (``Reconciler``) | every `SAMTAK_SCHEDULER_RECONCILE_S` | what a lost event left undone |
///
/// ## Tables
/// Reads `arenas`, `school_holidays`, `cases`; writes `meetings` (series meetings:
/// `occurrence_date` = the rule's date), `agenda_items` (position, minutes, reason,
/// `over_capacity`, `removed_at`/`removed_reason`), `cases.status`, and
/// `schedule_conflicts` (Schema/0003): future meetings with cases that a series edit
/// could not change.
///
/// ## Events
/// In: `case.submitted`, `referral.created` (with an arena: BUP's weekly intake),
/// `case.resubmitted` → schedule; `case.withdrawn` → leave the agenda;
/// `meeting.cancelled` → move the cases on; `arena.changed` → plan the arena. Anything
/// else is ignored: the consumer passes it over without a transaction or inbox row
/// (``SchedulerEvents/handledTypes``). Events carry ids only: every handler reads
/// the current state under row locks, so duplicated or out-of-order events are harmless.
///
/// Out: `case.scheduled` (meeting, position, reason, over capacity), `case.unscheduled`,
/// `agenda.published` (item count), `meeting.cancelled` (`no_cases`, `series_changed`),
/// `meeting.moved` (an empty meeting whose series time changed).
///
/// ## State machine (see `CaseStatus`, `MeetingStatus`)
/// ```
/// case:    submitted ──schedule──▶ scheduled ──(meeting cancelled, no later meeting)──▶ submitted
///          scheduled ──(meeting cancelled, a later meeting)──▶ scheduled (on the new meeting)
///          withdrawn: its item is removed unless the meeting is held; later items close up
/// meeting: planned ──agenda due──▶ agenda_published,  planned ──agenda due, empty, cancel_when_empty──▶ cancelled
/// ```
///
/// ## Several copies
/// Two processes may run against one database and one broker: cases are locked
/// (`FOR UPDATE`) and acted on only in the right status; the meeting that receives a case
/// is locked and its items counted after the lock is held; due meetings are taken with
/// `FOR UPDATE SKIP LOCKED`; the planner locks the arena row; inserts of series meetings
/// rely on `UNIQUE (arena_id, occurrence_date)`, agenda items on `agenda_items_one_per_case`.
import Foundation
import Logging
import SamtakDomain
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakStore
import ServiceLifecycle

/// The scheduler's own settings (the shared ones are in `RuntimeConfiguration`).
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `SAMTAK_SCHEDULER_HORIZON_DAYS` | 365 | how far ahead series meetings are materialized |
/// | `SAMTAK_SCHEDULER_TICK_MS` | 1000 | agenda publisher period |
/// | `SAMTAK_SCHEDULER_RECONCILE_S` | 30 | reconciliation period |
/// | `SAMTAK_SCHEDULER_PLAN_INTERVAL_S` | 3600 | planner period (it also runs at start and on `arena.changed`) |
/// | `SAMTAK_SCHEDULER_REMINDERS_S` | 300 | how often measures past their evaluation date (`measure.evaluation_due`) and ansvarsgruppe meetings without approved minutes (`minutes.overdue`) are announced, once each |
/// | `SAMTAK_SCHEDULER_MINUTES_DUE_H` | 48 | hours after an ansvarsgruppe meeting ends before missing minutes are reported to its organiser |
public struct SchedulerConfiguration: Sendable {
    public var horizonDays: Int
    public var tick: Duration
    public var reconcileInterval: Duration
    public var planInterval: Duration
    /// A submitted case younger than this is left to its event by reconciliation.
    public var reconcileGrace: Duration
    public var reminderInterval: Duration
    public var minutesDue: Duration

    public init(horizonDays: Int = 365, tick: Duration = .seconds(1), reconcileInterval: Duration = .seconds(30),
                planInterval: Duration = .seconds(3600), reconcileGrace: Duration = .seconds(5), reminderInterval: Duration = .seconds(300),
                minutesDue: Duration = .seconds(48 * 3600)) {
        self.reminderInterval = reminderInterval
        self.minutesDue = minutesDue
        self.horizonDays = horizonDays
        self.tick = tick
        self.reconcileInterval = reconcileInterval
        self.planInterval = planInterval
        self.reconcileGrace = reconcileGrace
    }

    public init(environment: [String: String]) throws(ConfigurationError) {
        let env = EnvironmentReader(environment)
        self.init(
            horizonDays: try env.integer("SAMTAK_SCHEDULER_HORIZON_DAYS", default: 365, range: 7...1100),
            tick: .milliseconds(try env.integer("SAMTAK_SCHEDULER_TICK_MS", default: 1000, range: 50...60_000)),
            reconcileInterval: .seconds(try env.integer("SAMTAK_SCHEDULER_RECONCILE_S", default: 30, range: 1...3600)),
            planInterval: .seconds(try env.integer("SAMTAK_SCHEDULER_PLAN_INTERVAL_S", default: 3600, range: 10...86_400)),
            reminderInterval: .seconds(try env.integer("SAMTAK_SCHEDULER_REMINDERS_S", default: 300, range: 1...86_400)),
            minutesDue: .seconds(3600 * (try env.integer("SAMTAK_SCHEDULER_MINUTES_DUE_H", default: 48, range: 0...2160)))
        )
    }
}

/// Everything the scheduler does, on one pool and one outbox. Tests build one on a test
/// database and call its parts directly; the executable builds one from a `ServiceHost`.
public struct Scheduler: Sendable {
    public let pool: PostgresPool
    public let configuration: SchedulerConfiguration
    public let logger: Logger
    public let cases: CaseScheduler
    public let planner: SeriesPlanner
    public let publisher: AgendaPublisher
    public let reconciler: Reconciler
    public let events: SchedulerEvents
    /// Measures past their evaluation date (coordination log), announced once each.
    public let reminders: MeasureEvaluationReminders
    /// Ansvarsgruppe meetings whose minutes are overdue, announced once each.
    public let minutesReminders: MinutesReminders
    /// Follow-ups of rejected BUP referrals past their due date, reported once each.
    public let followUpReminders: ReferralFollowUpReminders
    /// Talks (utviklingssamtaler, foreldresamtaler) tomorrow, announced once per booking.
    public let talkReminders: TalkReminders

    public init(pool: PostgresPool, outbox: Outbox, configuration: SchedulerConfiguration = .init(), logger: Logger) {
        reminders = MeasureEvaluationReminders(outbox: outbox)
        minutesReminders = MinutesReminders(outbox: outbox, due: configuration.minutesDue)
        followUpReminders = ReferralFollowUpReminders(outbox: outbox)
        talkReminders = TalkReminders(outbox: outbox)
        self.pool = pool
        self.configuration = configuration
        self.logger = logger
        cases = CaseScheduler(outbox: outbox, logger: logger)
        planner = SeriesPlanner(outbox: outbox, horizonDays: configuration.horizonDays, logger: logger)
        publisher = AgendaPublisher(outbox: outbox, logger: logger)
        reconciler = Reconciler(pool: pool, cases: cases, grace: configuration.reconcileGrace, logger: logger)
        events = SchedulerEvents(cases: cases, planner: planner, logger: logger)
    }

    /// The periodic workers: planner, agenda publisher, reconciliation, evaluation reminders.
    public func periodicWorkers() -> [any Service] {
        let (planner, publisher, reconciler, pool, reminders, logger) = (planner, publisher, reconciler, pool, reminders, logger)
        let minutesReminders = self.minutesReminders, talkReminders = self.talkReminders
        let followUpReminders = self.followUpReminders
        return [
            PeriodicWorker(name: "planner", interval: configuration.planInterval, logger: logger) {
                _ = try await planner.planAll(pool: pool)
            },
            PeriodicWorker(name: "agenda-publisher", interval: configuration.tick, logger: logger) {
                _ = try await publisher.publishDue(pool: pool)
            },
            PeriodicWorker(name: "reconciliation", interval: configuration.reconcileInterval, initialDelay: configuration.reconcileInterval,
                           logger: logger) {
                _ = try await reconciler.sweep()
            },
            PeriodicWorker(name: "evaluation-reminders", interval: configuration.reminderInterval, logger: logger) {
                _ = try await reminders.claimDue(pool: pool, logger: logger)
                _ = try await minutesReminders.claimDue(pool: pool, logger: logger)
                _ = try await followUpReminders.claimDue(pool: pool, logger: logger)
                _ = try await talkReminders.claimDue(pool: pool, logger: logger)
            },
        ]
    }
}

/// The `samtak-scheduler` service as the executable runs it.
public enum SchedulerService {
    public static let consumerName = DeploymentConsumers.scheduler.name

    /// Reads the configuration (exit status 2 and a message on a bad value), then runs the
    /// relay, the consumer and the periodic workers until SIGTERM.
    public static func run() async throws {
        let host = ServiceHost.start(serviceName: "samtak-scheduler", defaultHTTPPort: 8081)
        let configuration: SchedulerConfiguration
        do {
            configuration = try SchedulerConfiguration(environment: host.configuration.environment)
        } catch {
            FileHandle.standardError.write(Data("samtak-scheduler: \(error)\n".utf8))
            exit(2)
        }
        let scheduler = Scheduler(pool: host.pool, outbox: host.outbox, configuration: configuration, logger: host.logger)
        let events = scheduler.events
        // One lane: the cases of a batch mostly go to the same meeting (its row lock orders
        // them anyway), so one transaction per run of events instead of one per partition.
        let consumer = host.makeConsumer(.init(name: consumerName, topics: DeploymentConsumers.scheduler.topics,
                                               handledTypes: SchedulerEvents.handledTypes, oneLane: true)) { envelope, connection in
            try events.apply(envelope, on: connection)
        }
        // Events the broker lost (a restart without its log) are taken from the outbox; the
        // handlers act on the current state, so a late event is as harmless as a duplicate.
        let catchUp = InboxCatchUp(consumer: consumer, configuration: .init(eventTypes: Array(SchedulerEvents.handledTypes)), logger: host.logger)
        host.dependencies.addCheck("consumer") { consumer.isRunning ? nil : "not consuming yet" }
        try await host.run(router: host.makeRouter(), workers: [host.makeRelay(), consumer, catchUp] + scheduler.periodicWorkers())
    }
}
