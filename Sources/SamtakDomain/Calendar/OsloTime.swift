import Foundation

/// Europe/Oslo wall time ⇄ instants, by the EU summer-time rule: CET (UTC+1), and CEST (UTC+2)
/// from the last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC.
///
/// The rule is applied to every year; it is correct for Norway from 1996 onward, which is all
/// Samtak needs. Instants are whole seconds (sub-second parts are truncated toward the past).
public enum OsloTime {
    public static let standardOffsetSeconds = 3_600
    public static let summerOffsetSeconds = 7_200

    /// The instant summer time starts in `year` (last Sunday of March, 01:00 UTC).
    public static func summerTimeStart(year: Int) -> Date {
        Date(timeIntervalSince1970: TimeInterval(summerStartUTC(year: year)))
    }

    /// The instant summer time ends in `year` (last Sunday of October, 01:00 UTC).
    public static func summerTimeEnd(year: Int) -> Date {
        Date(timeIntervalSince1970: TimeInterval(summerEndUTC(year: year)))
    }

    /// UTC offset in seconds in force at `instant` (3600 or 7200).
    public static func utcOffsetSeconds(at instant: Date) -> Int {
        utcOffsetSeconds(atEpochSecond: epochSecond(instant))
    }

    /// The Oslo wall time at `instant`.
    public static func localDateTime(at instant: Date) -> LocalDateTime {
        localDateTime(atEpochSecond: epochSecond(instant))
    }

    static func localDateTime(atEpochSecond s: Int) -> LocalDateTime {
        LocalDateTime(secondsSinceEpochAsUTC: s + utcOffsetSeconds(atEpochSecond: s))
    }

    /// The Oslo calendar date at `instant`.
    public static func localDate(at instant: Date) -> LocalDate { localDateTime(at: instant).date }

    /// The instant of an Oslo wall time. Wall times in the spring gap (02:00–02:59 on the last
    /// Sunday of March) resolve forward (02:30 → 03:30 CEST); wall times in the autumn overlap
    /// (02:00–02:59 on the last Sunday of October) resolve to the first, CEST, instance.
    public static func instant(for local: LocalDateTime) -> Date {
        let r = resolve(local)
        return Date(timeIntervalSince1970: TimeInterval(r.epochSecond))
    }

    /// The UTC offset used for a wall time, with the same gap/overlap resolution as `instant(for:)`.
    public static func utcOffsetSeconds(for local: LocalDateTime) -> Int { resolve(local).offset }

    /// True if the wall time does not exist (spring gap).
    public static func isInGap(_ local: LocalDateTime) -> Bool {
        let wall = local.secondsSinceEpochAsUTC
        let start = summerStartUTC(year: local.date.year)
        return wall >= start + standardOffsetSeconds && wall < start + summerOffsetSeconds
    }

    /// True if the wall time occurs twice (autumn overlap).
    public static func isAmbiguous(_ local: LocalDateTime) -> Bool {
        let wall = local.secondsSinceEpochAsUTC
        let end = summerEndUTC(year: local.date.year)
        return wall >= end + standardOffsetSeconds && wall < end + summerOffsetSeconds
    }

    /// Resolution of a wall time: the instant (epoch seconds), the offset in force there, and
    /// the wall time actually shown on Oslo clocks at that instant (differs only in the gap).
    public static func resolve(_ local: LocalDateTime) -> (epochSecond: Int, offset: Int, wall: LocalDateTime) {
        let wall = local.secondsSinceEpochAsUTC
        let year = local.date.year
        // Summer time on the wall clock runs from 03:00 CEST (last Sunday of March) to
        // 03:00 CEST (last Sunday of October). Gap times fall outside and use CET, which
        // moves them forward; overlap times fall inside and use CEST (the first instance).
        let startWall = summerStartUTC(year: year) + summerOffsetSeconds
        let endWall = summerEndUTC(year: year) + summerOffsetSeconds
        if wall >= startWall && wall < endWall {
            return (wall - summerOffsetSeconds, summerOffsetSeconds, local)
        }
        let instant = wall - standardOffsetSeconds
        if wall >= startWall - standardOffsetSeconds && wall < startWall {
            // In the gap: the clock shows one hour later.
            return (instant, summerOffsetSeconds, LocalDateTime(secondsSinceEpochAsUTC: instant + summerOffsetSeconds))
        }
        return (instant, standardOffsetSeconds, local)
    }

    // MARK: Formatting

    /// ISO 8601 with offset, e.g. "2027-03-02T14:00:00+01:00".
    public static func iso8601(_ instant: Date) -> String {
        let s = epochSecond(instant)
        let offset = utcOffsetSeconds(atEpochSecond: s)
        return iso8601(LocalDateTime(secondsSinceEpochAsUTC: s + offset), utcOffsetSeconds: offset)
    }

    /// ISO 8601 of a wall time with an explicit offset, e.g. "2027-03-02T14:00:00+01:00".
    public static func iso8601(_ local: LocalDateTime, utcOffsetSeconds offset: Int) -> String {
        var out = local.description
        out.reserveCapacity(25)
        out.append(offset < 0 ? "-" : "+")
        let a = abs(offset)
        CalendarText.append2(a / 3600, to: &out)
        out.append(":")
        CalendarText.append2(a / 60 % 60, to: &out)
        return out
    }

    /// Norwegian long form: "tirsdag 2. mars 2027 kl. 14.00".
    public static func norwegianLong(_ local: LocalDateTime) -> String {
        var out = norwegianDate(local.date)
        out.append(" kl. ")
        out.append(norwegianClock(local.time))
        return out
    }

    /// Norwegian long form of an instant in Oslo time.
    public static func norwegianLong(_ instant: Date) -> String { norwegianLong(localDateTime(at: instant)) }

    /// Norwegian date: "tirsdag 2. mars 2027".
    public static func norwegianDate(_ date: LocalDate) -> String {
        "\(date.weekday.norwegianName) \(date.day). \(norwegianMonthName(date.month)) \(date.year)"
    }

    /// Norwegian clock time with a period: "14.00" (seconds are not shown).
    public static func norwegianClock(_ time: LocalTime) -> String {
        var out = ""
        CalendarText.append2(time.hour, to: &out)
        out.append(".")
        CalendarText.append2(time.minute, to: &out)
        return out
    }

    /// Short Norwegian date: "02.03.2027".
    public static func norwegianShort(_ date: LocalDate) -> String {
        var out = ""
        out.reserveCapacity(10)
        CalendarText.append2(date.day, to: &out)
        out.append(".")
        CalendarText.append2(date.month, to: &out)
        out.append(".")
        CalendarText.appendYear(date.year, to: &out)
        return out
    }

    /// Short Norwegian date of an instant in Oslo time.
    public static func norwegianShort(_ instant: Date) -> String { norwegianShort(localDate(at: instant)) }

    /// Bokmål month name in lower case, 1 = "januar".
    public static func norwegianMonthName(_ month: Int) -> String {
        switch month {
        case 1: "januar"
        case 2: "februar"
        case 3: "mars"
        case 4: "april"
        case 5: "mai"
        case 6: "juni"
        case 7: "juli"
        case 8: "august"
        case 9: "september"
        case 10: "oktober"
        case 11: "november"
        case 12: "desember"
        default: "?"
        }
    }

    // MARK: Internals (epoch seconds)

    @inline(__always)
    static func epochSecond(_ instant: Date) -> Int {
        Int(instant.timeIntervalSince1970.rounded(.down))
    }

    @inline(__always)
    static func utcOffsetSeconds(atEpochSecond s: Int) -> Int {
        // Year of the instant in UTC is enough: the transitions are far from New Year.
        let days = s >= 0 ? s / 86_400 : (s - 86_399) / 86_400
        let year = LocalDate(daysSinceEpoch: days).year
        return s >= summerStartUTC(year: year) && s < summerEndUTC(year: year)
            ? summerOffsetSeconds : standardOffsetSeconds
    }

    @inline(__always)
    static func summerStartUTC(year: Int) -> Int { lastSunday(year: year, month: 3) * 86_400 + 3_600 }

    @inline(__always)
    static func summerEndUTC(year: Int) -> Int { lastSunday(year: year, month: 10) * 86_400 + 3_600 }

    /// Day number (since epoch) of the last Sunday of a 31-day month.
    @inline(__always)
    static func lastSunday(year: Int, month: Int) -> Int {
        let last = LocalDate.daysSinceEpoch(year: year, month: month, day: 31)
        let wd = Weekday.from(daysSinceEpoch: last).rawValue  // 7 = Sunday
        return last - (wd % 7)
    }
}
