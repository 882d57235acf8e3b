import Foundation

extension HolidayPolicy {
    /// The short codes used in the API, the database and the preview command: keep, skip, move.
    public init?(code: String) {
        switch code {
        case "keep": self = .keep
        case "skip": self = .skip
        case "move": self = .moveToNextWorkingDay
        default: return nil
        }
    }

    public var code: String {
        switch self {
        case .keep: "keep"
        case .skip: "skip"
        case .moveToNextWorkingDay: "move"
        }
    }
}

/// How an arena meets: its rule and the settings that turn rule dates into meetings.
public struct ArenaSchedule: Sendable, Hashable {
    public var rule: RecurrenceRule
    /// DTSTART, Europe/Oslo wall time.
    public var start: LocalDateTime
    public var durationMinutes: Int
    public var holidayPolicy: HolidayPolicy
    public var skipSchoolHolidays: Bool
    public var exceptionDates: Set<LocalDate>
    /// Hours before a meeting that cases must be in.
    public var submissionDeadlineHours: Int
    /// Hours before a meeting that the agenda is frozen and sent.
    public var agendaLeadHours: Int

    public init(rule: RecurrenceRule, start: LocalDateTime, durationMinutes: Int, holidayPolicy: HolidayPolicy, skipSchoolHolidays: Bool,
                exceptionDates: Set<LocalDate>, submissionDeadlineHours: Int, agendaLeadHours: Int) {
        self.rule = rule
        self.start = start
        self.durationMinutes = durationMinutes
        self.holidayPolicy = holidayPolicy
        self.skipSchoolHolidays = skipSchoolHolidays
        self.exceptionDates = exceptionDates
        self.submissionDeadlineHours = submissionDeadlineHours
        self.agendaLeadHours = agendaLeadHours
    }

    public func series(schoolHolidays: [ClosedRange<LocalDate>]) -> RecurrenceSeries {
        RecurrenceSeries(rule: rule, start: start, exceptionDates: exceptionDates, holidayPolicy: holidayPolicy,
                         closedPeriods: schoolHolidays, skipClosedPeriods: skipSchoolHolidays)
    }

    /// The meetings of `from...through` (Oslo dates), with their deadlines.
    public func plannedMeetings(from: LocalDate, through: LocalDate, schoolHolidays: [ClosedRange<LocalDate>]) -> [PlannedMeeting] {
        series(schoolHolidays: schoolHolidays).occurrences(from: from, through: through).map { occurrence in
            PlannedMeeting(
                occurrenceDate: occurrence.originalDate,
                startsAt: occurrence.start,
                endsAt: occurrence.start.addingTimeInterval(TimeInterval(durationMinutes * 60)),
                submissionDeadline: occurrence.start.addingTimeInterval(-TimeInterval(submissionDeadlineHours * 3600)),
                agendaDueAt: occurrence.start.addingTimeInterval(-TimeInterval(agendaLeadHours * 3600))
            )
        }
    }
}

/// One meeting a series calls for.
public struct PlannedMeeting: Sendable, Hashable {
    /// The rule's date: the occurrence's stable identity, even when a holiday moved it.
    public var occurrenceDate: LocalDate
    public var startsAt: Date
    public var endsAt: Date
    public var submissionDeadline: Date
    public var agendaDueAt: Date
    public init(occurrenceDate: LocalDate, startsAt: Date, endsAt: Date, submissionDeadline: Date, agendaDueAt: Date) {
        self.occurrenceDate = occurrenceDate
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.submissionDeadline = submissionDeadline
        self.agendaDueAt = agendaDueAt
    }
}
