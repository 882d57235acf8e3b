// samtak-bench: the Swift half of Deploy/bench (row 4, "planning one year of meetings for
// 200 series"). Prints one JSON object per command on stdout; Deploy/bench reads it.
//
//   samtak-bench plan [--series 200] [--repeat 30]
//       The pure expansion: ArenaSchedule.plannedMeetings for `series` mixed series (the
//       seeds' rules, cycled, each with its own start time), over the planner's window
//       (today .. today + 365, with the planner's 14-day margins), RRULE parsing included.
//       Reports the first (cold) round and the median and minimum of `repeat` rounds.
//   samtak-bench materialize [--series 200]
//       The planner's database materialization of the same series: inserts a unit, the
//       school holidays and `series` arenas into the database the SAMTAK_PG_* variables
//       name (it must be migrated and otherwise empty), then times SeriesPlanner.planAll
//       (every meeting of the horizon inserted) and a second planAll (nothing to change:
//       the periodic re-plan).
import Foundation
import Logging
import SamtakDomain
import SamtakIntake
import SamtakMessaging
import SamtakPostgres
import SamtakRuntime
import SamtakScheduler

struct Series {
    var name: String
    var kind: String
    var rrule: String
    var start: LocalDateTime
    var durationMinutes: Int
    var capacity: Int
    var submissionDeadlineHours: Int
    var agendaLeadHours: Int
    var holidayPolicy: String
    var skipSchoolHolidays: Bool
}

/// `count` series from the seeds' rules (about 27 rhythms: weekly, every fifth week,
/// monthly by weekday, every 2nd/3rd/4th month, yearly in given months), cycled; each copy
/// starts at another time of day so no two series are equal.
func mixedSeries(count: Int) -> [Series] {
    let seeds = SeedArena.all.filter { $0.rrule != nil && $0.start != nil }
    precondition(!seeds.isEmpty, "the seeds have no series")
    return (0..<count).map { index in
        let seed = seeds[index % seeds.count]
        let base = LocalDateTime(seed.start!)!
        let start = base.adding(seconds: ((index / seeds.count) % 16) * 15 * 60)
        return Series(name: "\(seed.name) #\(index)", kind: seed.kind.rawValue, rrule: seed.rrule!, start: start,
                      durationMinutes: seed.durationMinutes, capacity: seed.capacity, submissionDeadlineHours: seed.submissionDeadlineHours,
                      agendaLeadHours: seed.agendaLeadHours, holidayPolicy: seed.holidayPolicy, skipSchoolHolidays: seed.skipSchoolHolidays)
    }
}

enum Calendar2627 {
    static let schoolHolidays: [ClosedRange<LocalDate>] = DemoMunicipality.schoolHolidays.map { LocalDate($0.1)!...LocalDate($0.2)! }
}

func option(_ name: String, default value: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let number = Int(arguments[index + 1]) else { return value }
    return number
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

func printJSON(_ object: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

/// One planning round's pure part, as the planner does it per arena: parse, build, expand.
func expandAll(_ series: [Series], window: PlanningWindow) -> Int {
    var meetings = 0
    for s in series {
        let rule = try! RecurrenceRule(parsing: s.rrule)
        let schedule = ArenaSchedule(rule: rule, start: s.start, durationMinutes: s.durationMinutes,
                                     holidayPolicy: HolidayPolicy(code: s.holidayPolicy)!, skipSchoolHolidays: s.skipSchoolHolidays,
                                     exceptionDates: [], submissionDeadlineHours: s.submissionDeadlineHours, agendaLeadHours: s.agendaLeadHours)
        let planned = schedule.plannedMeetings(from: window.from.adding(days: -14), through: window.through.adding(days: 14),
                                               schoolHolidays: Calendar2627.schoolHolidays)
        meetings += planned.filter { $0.occurrenceDate >= window.from && $0.occurrenceDate <= window.through }.count
    }
    return meetings
}

func plan() {
    let count = option("--series", default: 200)
    let rounds = max(1, option("--repeat", default: 30))
    let series = mixedSeries(count: count)
    let window = PlanningWindow(horizonDays: 365)
    let clock = ContinuousClock()
    var meetings = 0
    let first = clock.measure { meetings = expandAll(series, window: window) }
    var times: [Double] = []
    for _ in 0..<rounds {
        let elapsed = clock.measure { _ = expandAll(series, window: window) }
        times.append(milliseconds(elapsed))
    }
    times.sort()
    printJSON([
        "series": count, "rhythms": Set(series.map(\.rrule)).count, "meetings": meetings, "rounds": rounds,
        "first_ms": milliseconds(first), "median_ms": times[times.count / 2], "min_ms": times[0], "max_ms": times[times.count - 1],
        "from": "\(window.from)", "through": "\(window.through)",
    ])
}

func materialize() async throws {
    let count = option("--series", default: 200)
    let configuration = try RuntimeConfiguration(serviceName: "samtak-bench", defaultHTTPPort: 0)
    var logger = Logger(label: "samtak-bench")
    logger.logLevel = .warning
    let pool = PostgresPool(configuration: configuration.postgres, maxConnections: 2, logger: logger)
    let series = mixedSeries(count: count)
    try await pool.withTransaction { connection in
        guard try connection.query("SELECT count(*)::int8 FROM arenas").first!.decode(Int.self, 0) == 0 else {
            throw BenchError("the database already has arenas; materialize needs a freshly migrated database")
        }
        let unit = UUID()
        try connection.execute("INSERT INTO units (id, name, service) VALUES (\(unit), 'Bench municipality', 'municipal_administration')")
        for (name, first, last) in DemoMunicipality.schoolHolidays {
            try connection.execute("""
                INSERT INTO school_holidays (id, school_year, name, first_day, last_day)
                VALUES (\(UUID()), '2026/2027', \(name), \(LocalDate(first)!), \(LocalDate(last)!))
                """)
        }
        for s in series {
            try connection.execute("""
                INSERT INTO arenas (id, name, kind, owner_unit_id, rrule, series_start, duration_minutes, location, capacity,
                                    submission_deadline_hours, agenda_lead_hours, holiday_policy, skip_school_holidays)
                VALUES (\(UUID()), \(s.name), \(s.kind), \(unit), \(s.rrule), \(s.start), \(s.durationMinutes), 'Rådhuset', \(s.capacity),
                        \(s.submissionDeadlineHours), \(s.agendaLeadHours), \(s.holidayPolicy), \(s.skipSchoolHolidays))
                """)
        }
    }
    let planner = SeriesPlanner(outbox: Outbox(topics: configuration.topics, source: "/samtak/bench"), horizonDays: 365, logger: logger)
    let clock = ContinuousClock()
    var outcome = PlanOutcome()
    let first = try await clock.measure { outcome = try await planner.planAll(pool: pool) }
    var again = PlanOutcome()
    let second = try await clock.measure { again = try await planner.planAll(pool: pool) }
    let stored = try await pool.withConnection { connection in
        try connection.query("SELECT count(*)::int8 FROM meetings").first!.decode(Int.self, 0)
    }
    await pool.close()
    printJSON([
        "series": count, "arenas": outcome.arenas, "inserted": outcome.inserted, "meetings": stored,
        "first_ms": milliseconds(first), "replan_ms": milliseconds(second), "replan_changes": again.inserted + again.updated + again.deleted,
    ])
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

switch CommandLine.arguments.dropFirst().first {
case "plan":
    plan()
case "materialize":
    do {
        try await materialize()
    } catch {
        FileHandle.standardError.write(Data("samtak-bench: \(error)\n".utf8))
        exit(1)
    }
default:
    FileHandle.standardError.write(Data("usage: samtak-bench plan [--series N] [--repeat N] | materialize [--series N]\n".utf8))
    exit(2)
}
