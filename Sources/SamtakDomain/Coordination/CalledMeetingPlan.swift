import Foundation

/// The meetings a call around one child creates: one, or a short follow-up series ("every 6
/// weeks until a date", `FREQ=WEEKLY;INTERVAL=6;UNTIL=...`). Times are Europe/Oslo wall
/// time; the arena's holiday policy applies; the agenda is due `agendaLeadHours` before.
///
/// A called meeting takes no submitted cases: its submission deadline is the moment it is
/// called (never later than its agenda date), so the scheduler never places another
/// child's case on it.
public enum CalledMeetingPlan {
    public static let maximumMeetings = 12
    public static let maximumSpanYears = 2

    public enum PlanError: Error, Sendable, Hashable, CustomStringConvertible {
        case startInPast
        case unbounded
        case spanTooLong
        case tooMany(Int)
        case noOccurrence

        public var field: String {
            switch self {
            case .startInPast: "starts_at"
            case .unbounded, .spanTooLong, .tooMany, .noOccurrence: "rrule"
            }
        }

        public var rule: String {
            switch self {
            case .startInPast, .spanTooLong: "range"
            case .unbounded: "unbounded"
            case .tooMany: "max_items"
            case .noOccurrence: "no_occurrence"
            }
        }

        public var description: String {
            switch self {
            case .startInPast: "must be in the future (Europe/Oslo local time)"
            case .unbounded: "a follow-up series needs UNTIL or COUNT"
            case .spanTooLong: "a follow-up series must end within \(CalledMeetingPlan.maximumSpanYears) years"
            case .tooMany(let count): "a follow-up series has at most \(CalledMeetingPlan.maximumMeetings) meetings (this rule gives \(count))"
            case .noOccurrence: "the rule gives no meeting after the start"
            }
        }
    }

    public static func meetings(
        start: LocalDateTime, rule: RecurrenceRule?, holidayPolicy: HolidayPolicy, durationMinutes: Int, agendaLeadHours: Int, now: Date
    ) throws(PlanError) -> [PlannedMeeting] {
        let startInstant = OsloTime.instant(for: start)
        guard startInstant > now else { throw .startInPast }
        var starts: [(LocalDate, Date)] = [(start.date, startInstant)]
        if let rule {
            guard rule.count != nil || rule.until != nil else { throw .unbounded }
            let limit = start.date.adding(years: maximumSpanYears)
            if let until = rule.until {
                let untilDate: LocalDate
                switch until {
                case .date(let date): untilDate = date
                case .localDateTime(let local), .utc(let local): untilDate = local.date
                }
                if untilDate > limit { throw .spanTooLong }
            }
            let series = RecurrenceSeries(rule: rule, start: start, holidayPolicy: holidayPolicy)
            let occurrences = series.occurrences(from: start.date, through: limit)
            if occurrences.count > maximumMeetings { throw .tooMany(occurrences.count) }
            starts = occurrences.filter { $0.start > now }.map { ($0.originalDate, $0.start) }
            guard !starts.isEmpty else { throw .noOccurrence }
        }
        return starts.map { date, begins in
            let agendaDue = begins.addingTimeInterval(-TimeInterval(agendaLeadHours * 3600))
            return PlannedMeeting(occurrenceDate: date, startsAt: begins, endsAt: begins.addingTimeInterval(TimeInterval(durationMinutes * 60)),
                                  submissionDeadline: min(now, agendaDue), agendaDueAt: agendaDue)
        }
    }
}
