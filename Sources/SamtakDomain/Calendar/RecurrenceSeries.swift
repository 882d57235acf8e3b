import Foundation

/// What to do with a rule occurrence that falls on a Norwegian public holiday.
public enum HolidayPolicy: String, Sendable, Hashable, CaseIterable, Codable {
    /// Hold the meeting anyway.
    case keep
    /// Drop the occurrence.
    case skip
    /// Move it to the next working day (Mon–Fri, not a public holiday, and not in a closed period
    /// when those are skipped), same wall time. If that day already has an occurrence of the same
    /// series, the occurrence is dropped instead.
    case moveToNextWorkingDay
}

/// One concrete meeting time of a series.
public struct Occurrence: Sendable, Hashable, Codable {
    /// The date the rule produced, before any holiday move: the occurrence's stable identity.
    public let originalDate: LocalDate
    /// Oslo wall time of the meeting (after a move; for a start time in the spring DST gap, the
    /// wall time actually shown, one hour later).
    public let local: LocalDateTime
    /// The instant the meeting starts.
    public let start: Date
    /// UTC offset at `start`: 3600 (CET) or 7200 (CEST).
    public let utcOffsetSeconds: Int
    /// True if moved away from `originalDate` by the holiday policy.
    public let moved: Bool

    public init(originalDate: LocalDate, local: LocalDateTime, start: Date, utcOffsetSeconds: Int, moved: Bool) {
        self.originalDate = originalDate
        self.local = local
        self.start = start
        self.utcOffsetSeconds = utcOffsetSeconds
        self.moved = moved
    }

    /// Creates the occurrence at Oslo wall time `date` + `time`.
    init(originalDate: LocalDate, date: LocalDate, time: LocalTime) {
        let resolved = OsloTime.resolve(LocalDateTime(date: date, time: time))
        self.init(
            originalDate: originalDate,
            local: resolved.wall,
            start: Date(timeIntervalSince1970: TimeInterval(resolved.epochSecond)),
            utcOffsetSeconds: resolved.offset,
            moved: date != originalDate
        )
    }

    /// ISO 8601 with offset, e.g. "2027-03-02T14:00:00+01:00".
    public var iso8601: String { OsloTime.iso8601(local, utcOffsetSeconds: utcOffsetSeconds) }
}

/// A recurring meeting: an RRULE anchored at an Oslo wall-time DTSTART, with EXDATEs, a
/// public-holiday policy and optional municipal closed periods (school holidays).
public struct RecurrenceSeries: Sendable, Hashable, Codable {
    public var rule: RecurrenceRule
    /// DTSTART as Oslo wall time. Every occurrence keeps this wall time across DST changes.
    public var start: LocalDateTime
    /// EXDATEs: rule dates (before any move) that are cancelled.
    public var exceptionDates: Set<LocalDate>
    public var holidayPolicy: HolidayPolicy
    /// Municipal closed periods such as school holidays (inclusive ranges).
    public var closedPeriods: [ClosedRange<LocalDate>]
    /// When true, occurrences inside a closed period are dropped and moves never land in one.
    public var skipClosedPeriods: Bool

    public init(
        rule: RecurrenceRule,
        start: LocalDateTime,
        exceptionDates: Set<LocalDate> = [],
        holidayPolicy: HolidayPolicy = .keep,
        closedPeriods: [ClosedRange<LocalDate>] = [],
        skipClosedPeriods: Bool = false
    ) {
        self.rule = rule
        self.start = start
        self.exceptionDates = exceptionDates
        self.holidayPolicy = holidayPolicy
        self.closedPeriods = closedPeriods
        self.skipClosedPeriods = skipClosedPeriods
    }

    /// The occurrences whose (possibly moved) date lies in `from...through`, ordered by start.
    ///
    /// COUNT and UNTIL bound the rule's own occurrences, before EXDATE and holiday filtering
    /// (RFC 5545 semantics). EXDATE and closed periods apply to the rule's date; holidays are
    /// then kept, skipped or moved per `holidayPolicy`.
    public func occurrences(from: LocalDate, through: LocalDate) -> [Occurrence] {
        guard from <= through else { return [] }
        let closed = closedPeriods.map { ($0.lowerBound.daysSinceEpoch, $0.upperBound.daysSinceEpoch) }
        let closedActive = skipClosedPeriods && !closed.isEmpty
        @inline(__always) func isClosed(_ day: Int) -> Bool {
            guard closedActive else { return false }
            for (lo, hi) in closed where day >= lo && day <= hi { return true }
            return false
        }
        let moving = holidayPolicy == .moveToNextWorkingDay
        @inline(__always) func isMoveTarget(_ day: Int) -> Bool {
            let date = LocalDate(daysSinceEpoch: day)
            return NorwegianHolidays.isWorkingDay(date) && !isClosed(day)
        }

        let fromDay = from.daysSinceEpoch
        let throughDay = through.daysSinceEpoch
        // A holiday occurrence can be moved into the window from just before it: look back over
        // the run of non-working days that ends the day before `from`.
        var expandFromDay = fromDay
        if moving {
            var b = fromDay - 1
            while !isMoveTarget(b) { b -= 1 }
            expandFromDay = b + 1
        }

        var ruleDays: [Int] = []
        RuleExpander(rule: rule, start: start).expand(fromDay: expandFromDay, throughDay: throughDay, into: &ruleDays)
        if ruleDays.isEmpty { return [] }

        // Pass 1: filter, and note which rule dates stay in place.
        enum Fate { case keep, move }
        var fates: [(day: Int, fate: Fate)] = []
        fates.reserveCapacity(ruleDays.count)
        var occupied = Set<Int>()
        for day in ruleDays {
            let date = LocalDate(daysSinceEpoch: day)
            if !exceptionDates.isEmpty && exceptionDates.contains(date) { continue }
            if isClosed(day) { continue }
            if holidayPolicy != .keep && NorwegianHolidays.isPublicHoliday(date) {
                if moving { fates.append((day, .move)) }
                continue
            }
            fates.append((day, .keep))
            if moving { occupied.insert(day) }
        }

        // Pass 2: build occurrences, moving where needed.
        var result: [Occurrence] = []
        result.reserveCapacity(fates.count)
        var needsSort = false
        for (day, fate) in fates {
            var target = day
            if fate == .move {
                target += 1
                while !isMoveTarget(target) { target += 1 }
                if occupied.contains(target) { continue }
                occupied.insert(target)
                if let last = result.last, last.local.date.daysSinceEpoch > target { needsSort = true }
            } else if let last = result.last, last.local.date.daysSinceEpoch > target {
                needsSort = true
            }
            guard target >= fromDay && target <= throughDay else { continue }
            let original = LocalDate(daysSinceEpoch: day)
            let date = target == day ? original : LocalDate(daysSinceEpoch: target)
            result.append(Occurrence(originalDate: original, date: date, time: start.time))
        }
        if needsSort { result.sort { $0.start != $1.start ? $0.start < $1.start : $0.originalDate < $1.originalDate } }
        return result
    }

    /// The first occurrence starting strictly after `instant`, searching up to `horizonDays` ahead.
    public func nextOccurrence(after instant: Date, horizonDays: Int = 800) -> Occurrence? {
        var windowStart = OsloTime.localDate(at: instant)
        let horizon = windowStart.adding(days: horizonDays)
        while windowStart <= horizon {
            let windowEnd = min(windowStart.adding(days: 92), horizon)
            if let hit = occurrences(from: windowStart, through: windowEnd).first(where: { $0.start > instant }) {
                return hit
            }
            windowStart = windowEnd.adding(days: 1)
        }
        return nil
    }

    /// Lines for a preview command: one occurrence per line as ISO 8601 with its UTC offset,
    /// e.g. "2027-03-02T14:00:00+01:00". `limit` caps the number of lines.
    public func previewLines(from: LocalDate, through: LocalDate, limit: Int? = nil) -> [String] {
        var list = occurrences(from: from, through: through)
        if let limit, list.count > limit { list = Array(list.prefix(max(0, limit))) }
        return RecurrenceSeries.previewLines(list)
    }

    /// One ISO 8601 line per occurrence, in the given order.
    public static func previewLines(_ occurrences: [Occurrence]) -> [String] {
        occurrences.map(\.iso8601)
    }
}
