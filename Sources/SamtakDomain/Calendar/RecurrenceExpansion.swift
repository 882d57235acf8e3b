// RFC 5545 expansion for the supported subset.
//
// Each period (day, week starting WKST, month or year, per FREQ) that is a multiple of INTERVAL
// periods away from DTSTART's period yields a *set* of dates: all days of the period that pass
// every BY* rule (BYMONTH limits or expands, BYMONTHDAY/BYDAY expand within the period and
// intersect with each other), then BYSETPOS picks from that sorted set. When no day-level rule is
// given, DTSTART supplies it (its weekday for WEEKLY, its day of month for MONTHLY, its month and
// day for YEARLY). Dates that do not exist (30 February) are never generated. Dates before DTSTART
// are dropped; DTSTART itself counts only if the rule matches it. COUNT counts from DTSTART;
// UNTIL is inclusive.

extension RecurrenceRule {
    /// Dates of the rule's occurrences for DTSTART `start` (Oslo wall time) that fall in
    /// `from...through`, ascending. COUNT is always counted from `start`.
    public func dates(start: LocalDateTime, from: LocalDate, through: LocalDate) -> [LocalDate] {
        var days: [Int] = []
        RuleExpander(rule: self, start: start).expand(fromDay: from.daysSinceEpoch, throughDay: through.daysSinceEpoch, into: &days)
        return days.map(LocalDate.init(daysSinceEpoch:))
    }

    /// The first `limit` occurrence dates from `start` (fewer if the rule ends), searching at
    /// most `horizonYears` ahead.
    public func firstDates(start: LocalDateTime, limit: Int, horizonYears: Int = 100) -> [LocalDate] {
        guard limit > 0 else { return [] }
        var result: [LocalDate] = []
        var windowStart = start.date
        let horizon = start.date.adding(years: horizonYears)
        while result.count < limit && windowStart <= horizon {
            let windowEnd = min(windowStart.adding(days: 365), horizon)
            for d in dates(start: start, from: windowStart, through: windowEnd) {
                result.append(d)
                if result.count == limit { break }
            }
            windowStart = windowEnd.adding(days: 1)
        }
        return result
    }

    /// True if `date` is one of the rule's occurrence dates for DTSTART `start`.
    public func matches(_ date: LocalDate, start: LocalDateTime) -> Bool {
        dates(start: start, from: date, through: date).first == date
    }
}

/// Compiled form of a rule plus DTSTART, with bit masks for fast per-day matching.
struct RuleExpander {
    let frequency: RecurrenceRule.Frequency
    let interval: Int
    let count: Int?
    let startDay: Int
    /// Last day allowed by UNTIL (Int.max if none).
    let untilDay: Int
    let weekStart: Int

    /// Bits 1...12; 0 = no month filter.
    let monthMask: UInt16
    let hasMonthDay: Bool
    /// Bits 1...31 for BYMONTHDAY=n and BYMONTHDAY=-n.
    let monthDayPositive: UInt32
    let monthDayNegative: UInt32
    let hasByDay: Bool
    /// Bits 1...7 (ISO weekday) for plain BYDAY entries.
    let plainWeekdays: UInt8
    let hasOrdinals: Bool
    /// Ordinals relative to the year (YEARLY without BYMONTH) rather than the month.
    let ordinalsInYear: Bool
    /// Per ISO weekday (index 1...7): bits 1...53 for ordinals n and -n.
    let ordinalPositive: [UInt64]
    let ordinalNegative: [UInt64]
    let bySetPos: [Int]

    init(rule: RecurrenceRule, start: LocalDateTime) {
        frequency = rule.frequency
        interval = rule.interval
        count = rule.count
        startDay = start.date.daysSinceEpoch
        weekStart = rule.weekStart.rawValue
        bySetPos = rule.bySetPos

        switch rule.until {
        case nil:
            untilDay = Int.max
        case .date(let d):
            untilDay = d.daysSinceEpoch
        case .localDateTime(let dt):
            untilDay = dt.date.daysSinceEpoch - (start.time <= dt.time ? 0 : 1)
        case .utc(let dt):
            let limit = dt.secondsSinceEpochAsUTC
            let candidate = OsloTime.localDateTime(atEpochSecond: limit).date
            let at = OsloTime.resolve(LocalDateTime(date: candidate, time: start.time)).epochSecond
            untilDay = candidate.daysSinceEpoch - (at <= limit ? 0 : 1)
        }

        var months = rule.byMonth
        var monthDays = rule.byMonthDay
        var plain: [Weekday] = rule.byDay.filter { $0.ordinal == nil }.map(\.weekday)
        if rule.byDay.isEmpty && rule.byMonthDay.isEmpty {
            switch rule.frequency {
            case .yearly:
                if months.isEmpty { months = [start.date.month] }
                monthDays = [start.date.day]
            case .monthly:
                monthDays = [start.date.day]
            case .weekly:
                plain = [start.date.weekday]
            case .daily:
                break
            }
        }

        var mask: UInt16 = 0
        for m in months { mask |= 1 << UInt16(m) }
        monthMask = mask

        hasMonthDay = !monthDays.isEmpty
        var pos: UInt32 = 0, neg: UInt32 = 0
        for d in monthDays {
            if d > 0 { pos |= 1 << UInt32(d) } else { neg |= 1 << UInt32(-d) }
        }
        monthDayPositive = pos
        monthDayNegative = neg

        var plainMask: UInt8 = 0
        for w in plain { plainMask |= 1 << UInt8(w.rawValue) }
        plainWeekdays = plainMask

        var ordPos = [UInt64](repeating: 0, count: 8)
        var ordNeg = [UInt64](repeating: 0, count: 8)
        var anyOrdinal = false
        for entry in rule.byDay {
            guard let n = entry.ordinal else { continue }
            anyOrdinal = true
            if n > 0 {
                ordPos[entry.weekday.rawValue] |= 1 << UInt64(n)
            } else {
                ordNeg[entry.weekday.rawValue] |= 1 << UInt64(-n)
            }
        }
        ordinalPositive = ordPos
        ordinalNegative = ordNeg
        hasOrdinals = anyOrdinal
        hasByDay = plainMask != 0 || anyOrdinal
        ordinalsInYear = rule.frequency == .yearly && rule.byMonth.isEmpty
    }

    /// Appends the occurrence day numbers within `fromDay...throughDay` to `out`, ascending.
    func expand(fromDay: Int, throughDay: Int, into out: inout [Int]) {
        let lastDay = min(throughDay, untilDay)
        guard lastDay >= startDay, lastDay >= fromDay else { return }
        var produced = 0
        var periodSet: [Int] = []
        periodSet.reserveCapacity(32)

        // Emits one period's set; returns false when the rule is exhausted.
        func emit(_ set: inout [Int]) -> Bool {
            if !bySetPos.isEmpty { applySetPos(&set) }
            for day in set where day >= startDay {
                if day > lastDay { return false }
                if day >= fromDay { out.append(day) }
                produced += 1
                if let count, produced >= count { return false }
            }
            return true
        }

        // Without COUNT, jump straight to the period containing `fromDay` (aligned to INTERVAL).
        let skipAhead = count == nil

        switch frequency {
        case .daily:
            var day = startDay
            if skipAhead && fromDay > startDay {
                day = startDay + (fromDay - startDay) / interval * interval
                if day < fromDay { day += interval }
            }
            while day <= lastDay {
                periodSet.removeAll(keepingCapacity: true)
                let date = LocalDate(daysSinceEpoch: day)
                collect(year: date.year, month: date.month, firstDay: date.day, lastDay: date.day, into: &periodSet)
                if !emit(&periodSet) { return }
                day += interval
            }

        case .weekly:
            let step = 7 * interval
            var weekStartDay = startDay - (Weekday.from(daysSinceEpoch: startDay).rawValue - weekStart + 7) % 7
            if skipAhead && fromDay > weekStartDay + 6 {
                let periods = (fromDay - weekStartDay) / 7 / interval
                weekStartDay += periods * step
            }
            while weekStartDay <= lastDay {
                periodSet.removeAll(keepingCapacity: true)
                let first = LocalDate(daysSinceEpoch: weekStartDay)
                let dim = LocalDate.daysInMonth(year: first.year, month: first.month)
                if first.day + 6 <= dim {
                    collect(year: first.year, month: first.month, firstDay: first.day, lastDay: first.day + 6, into: &periodSet)
                } else {
                    collect(year: first.year, month: first.month, firstDay: first.day, lastDay: dim, into: &periodSet)
                    let (ny, nm) = first.month == 12 ? (first.year + 1, 1) : (first.year, first.month + 1)
                    collect(year: ny, month: nm, firstDay: 1, lastDay: first.day + 6 - dim, into: &periodSet)
                }
                if !emit(&periodSet) { return }
                weekStartDay += step
            }

        case .monthly:
            let startDate = LocalDate(daysSinceEpoch: startDay)
            var index = startDate.year * 12 + startDate.month - 1
            if skipAhead {
                let from = LocalDate(daysSinceEpoch: fromDay)
                let fromIndex = from.year * 12 + from.month - 1
                if fromIndex > index { index += (fromIndex - index) / interval * interval }
            }
            while true {
                let year = index >= 0 ? index / 12 : (index - 11) / 12
                let month = index - year * 12 + 1
                if LocalDate.daysSinceEpoch(year: year, month: month, day: 1) > lastDay { return }
                periodSet.removeAll(keepingCapacity: true)
                collect(year: year, month: month, firstDay: 1, lastDay: LocalDate.daysInMonth(year: year, month: month), into: &periodSet)
                if !emit(&periodSet) { return }
                index += interval
            }

        case .yearly:
            var year = LocalDate(daysSinceEpoch: startDay).year
            if skipAhead {
                let fromYear = LocalDate(daysSinceEpoch: fromDay).year
                if fromYear > year { year += (fromYear - year) / interval * interval }
            }
            while LocalDate.daysSinceEpoch(year: year, month: 1, day: 1) <= lastDay {
                periodSet.removeAll(keepingCapacity: true)
                for month in 1...12 where monthMask == 0 || monthMask & (1 << UInt16(month)) != 0 {
                    collect(year: year, month: month, firstDay: 1, lastDay: LocalDate.daysInMonth(year: year, month: month), into: &periodSet)
                }
                if !emit(&periodSet) { return }
                year += interval
            }
        }
    }

    /// Appends the day numbers of `firstDay...lastDay` in the given month that pass all BY* rules.
    @inline(__always)
    private func collect(year: Int, month: Int, firstDay: Int, lastDay: Int, into out: inout [Int]) {
        if monthMask != 0 && monthMask & (1 << UInt16(month)) == 0 { return }
        let monthStart = LocalDate.daysSinceEpoch(year: year, month: month, day: 1)
        let dim = LocalDate.daysInMonth(year: year, month: month)
        var weekday = Weekday.from(daysSinceEpoch: monthStart + firstDay - 1).rawValue
        // Ordinal scope: the month, or the year for YEARLY without BYMONTH.
        var scopeOffset = 0  // days before the month start within the scope
        var scopeLength = dim
        if hasOrdinals && ordinalsInYear {
            scopeOffset = monthStart - LocalDate.daysSinceEpoch(year: year, month: 1, day: 1)
            scopeLength = LocalDate.daysInYear(year)
        }
        for day in firstDay...lastDay {
            defer { weekday = weekday == 7 ? 1 : weekday + 1 }
            if hasMonthDay {
                let neg = dim - day + 1
                guard monthDayPositive & (1 << UInt32(day)) != 0 || monthDayNegative & (1 << UInt32(neg)) != 0 else {
                    continue
                }
            }
            if hasByDay {
                var ok = plainWeekdays & (1 << UInt8(weekday)) != 0
                if !ok && hasOrdinals {
                    let position = scopeOffset + day  // 1-based within the scope
                    let nth = (position - 1) / 7 + 1
                    let nthFromEnd = (scopeLength - position) / 7 + 1
                    ok = ordinalPositive[weekday] & (1 << UInt64(nth)) != 0
                        || ordinalNegative[weekday] & (1 << UInt64(nthFromEnd)) != 0
                }
                guard ok else { continue }
            }
            out.append(monthStart + day - 1)
        }
    }

    /// Keeps the BYSETPOS-selected members of a sorted period set (sorted, without duplicates).
    private func applySetPos(_ set: inout [Int]) {
        let n = set.count
        guard n > 0 else { return }
        var picked: [Int] = []
        picked.reserveCapacity(bySetPos.count)
        for p in bySetPos {
            let i = p > 0 ? p - 1 : n + p
            if i >= 0 && i < n { picked.append(set[i]) }
        }
        picked.sort()
        var unique: [Int] = []
        unique.reserveCapacity(picked.count)
        for d in picked where unique.last != d { unique.append(d) }
        set = unique
    }
}
