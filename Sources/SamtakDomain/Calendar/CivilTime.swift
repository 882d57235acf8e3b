// Civil (wall-clock) dates and times without a time zone, with our own proleptic Gregorian
// arithmetic. Foundation's Calendar/TimeZone/DateFormatter are deliberately not used: they are
// slow for bulk recurrence expansion and behave differently across platforms.

/// ISO 8601 weekday: Monday = 1 ... Sunday = 7.
public enum Weekday: Int, Sendable, Hashable, Comparable, CaseIterable, Codable {
    case monday = 1, tuesday, wednesday, thursday, friday, saturday, sunday

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Two-letter RFC 5545 code: "MO", "TU", ... "SU".
    public var rfc5545Code: String {
        switch self {
        case .monday: "MO"
        case .tuesday: "TU"
        case .wednesday: "WE"
        case .thursday: "TH"
        case .friday: "FR"
        case .saturday: "SA"
        case .sunday: "SU"
        }
    }

    /// Parses an RFC 5545 weekday code (case-insensitive).
    public init?(rfc5545Code code: String) {
        switch code.uppercased() {
        case "MO": self = .monday
        case "TU": self = .tuesday
        case "WE": self = .wednesday
        case "TH": self = .thursday
        case "FR": self = .friday
        case "SA": self = .saturday
        case "SU": self = .sunday
        default: return nil
        }
    }

    /// Bokmål name in lower case: "mandag" ... "søndag".
    public var norwegianName: String {
        switch self {
        case .monday: "mandag"
        case .tuesday: "tirsdag"
        case .wednesday: "onsdag"
        case .thursday: "torsdag"
        case .friday: "fredag"
        case .saturday: "lørdag"
        case .sunday: "søndag"
        }
    }

    /// Monday to Friday.
    public var isWeekday: Bool { rawValue <= 5 }

    /// Days to go forward from `self` to reach `other` (0...6).
    public func daysUntil(_ other: Weekday) -> Int { (other.rawValue - rawValue + 7) % 7 }
}

/// Why a civil date/time string was rejected.
public struct CivilTimeParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// The text does not have the required shape, e.g. "YYYY-MM-DD".
        case malformed(expectedFormat: String)
        /// The shape is right but a field ("month", "day", "hour", ...) is out of range.
        case outOfRange(field: String)
    }

    /// The type being parsed: "LocalDate", "LocalTime" or "LocalDateTime".
    public let type: String
    public let input: String
    public let reason: Reason

    public init(type: String, input: String, reason: Reason) {
        self.type = type
        self.input = input
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .malformed(let format):
            "Invalid \(type) \"\(input)\": expected the format \(format)"
        case .outOfRange(let field):
            "Invalid \(type) \"\(input)\": \(field) is out of range"
        }
    }
}

// MARK: - LocalDate

/// A calendar date (proleptic Gregorian) without a time zone.
public struct LocalDate: Sendable, Hashable, Comparable, Strideable, Codable,
    CustomStringConvertible, LosslessStringConvertible
{
    public let year: Int
    public let month: Int
    public let day: Int

    /// Validating initializer; returns nil for e.g. February 30. Any year is accepted for
    /// arithmetic, but only 0001...9999 can be written and parsed as "YYYY-MM-DD".
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= LocalDate.daysInMonth(year: year, month: month)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    @inline(__always)
    init(uncheckedYear year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `days` days after 1970-01-01 (negative before).
    public init(daysSinceEpoch days: Int) {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(uncheckedYear: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    /// Days since 1970-01-01 (negative before).
    public var daysSinceEpoch: Int { LocalDate.daysSinceEpoch(year: year, month: month, day: day) }

    @inline(__always)
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public static func daysInYear(_ year: Int) -> Int { isLeapYear(year) ? 366 : 365 }

    public var isLeapYear: Bool { LocalDate.isLeapYear(year) }
    public var daysInMonth: Int { LocalDate.daysInMonth(year: year, month: month) }

    /// 1 for January 1st.
    public var dayOfYear: Int {
        daysSinceEpoch - LocalDate.daysSinceEpoch(year: year, month: 1, day: 1) + 1
    }

    public var weekday: Weekday { Weekday.from(daysSinceEpoch: daysSinceEpoch) }

    public func adding(days: Int) -> LocalDate {
        days == 0 ? self : LocalDate(daysSinceEpoch: daysSinceEpoch + days)
    }

    /// Adds calendar months; the day is clamped to the end of a shorter month
    /// (2027-01-31 + 1 month = 2027-02-28).
    public func adding(months: Int) -> LocalDate {
        let index = year * 12 + (month - 1) + months
        let y = index >= 0 ? index / 12 : (index - 11) / 12
        let m = index - y * 12 + 1
        return LocalDate(uncheckedYear: y, month: m, day: min(day, LocalDate.daysInMonth(year: y, month: m)))
    }

    /// Adds years; February 29th becomes February 28th in a non-leap year.
    public func adding(years: Int) -> LocalDate { adding(months: years * 12) }

    /// Number of days from `self` to `other` (positive when `other` is later).
    public func days(until other: LocalDate) -> Int { other.daysSinceEpoch - daysSinceEpoch }

    public var firstDayOfMonth: LocalDate { LocalDate(uncheckedYear: year, month: month, day: 1) }
    public var lastDayOfMonth: LocalDate { LocalDate(uncheckedYear: year, month: month, day: daysInMonth) }

    // Comparable / Strideable

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        if lhs.year != rhs.year { return lhs.year < rhs.year }
        if lhs.month != rhs.month { return lhs.month < rhs.month }
        return lhs.day < rhs.day
    }

    public func distance(to other: LocalDate) -> Int { days(until: other) }
    public func advanced(by n: Int) -> LocalDate { adding(days: n) }

    // Text

    /// "YYYY-MM-DD".
    public var description: String {
        var out = ""
        out.reserveCapacity(10)
        CalendarText.appendYear(year, to: &out)
        out.append("-")
        CalendarText.append2(month, to: &out)
        out.append("-")
        CalendarText.append2(day, to: &out)
        return out
    }

    /// "YYYYMMDD" (RFC 5545 DATE).
    public var basicFormat: String {
        var out = ""
        out.reserveCapacity(8)
        CalendarText.appendYear(year, to: &out)
        CalendarText.append2(month, to: &out)
        CalendarText.append2(day, to: &out)
        return out
    }

    /// Strict parse of "YYYY-MM-DD" (exactly ten characters, four-digit year).
    public init(parsing text: String) throws(CivilTimeParseError) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            let y = CalendarText.number(bytes, 0, 4),
            let m = CalendarText.number(bytes, 5, 2),
            let d = CalendarText.number(bytes, 8, 2)
        else {
            throw CivilTimeParseError(type: "LocalDate", input: text, reason: .malformed(expectedFormat: "YYYY-MM-DD"))
        }
        self = try LocalDate.validated(year: y, month: m, day: d, type: "LocalDate", input: text)
    }

    static func validated(year: Int, month: Int, day: Int, type: String, input: String)
        throws(CivilTimeParseError) -> LocalDate
    {
        guard year >= 1 else { throw CivilTimeParseError(type: type, input: input, reason: .outOfRange(field: "year")) }
        guard (1...12).contains(month) else {
            throw CivilTimeParseError(type: type, input: input, reason: .outOfRange(field: "month"))
        }
        guard let date = LocalDate(year: year, month: month, day: day) else {
            throw CivilTimeParseError(type: type, input: input, reason: .outOfRange(field: "day"))
        }
        return date
    }

    public init?(_ description: String) {
        guard let value = try? LocalDate(parsing: description) else { return nil }
        self = value
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try LocalDate(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
        try DateInputRules.check(self, decoder: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Weekday {
    @inline(__always)
    static func from(daysSinceEpoch days: Int) -> Weekday {
        // 1970-01-01 was a Thursday (ISO 4).
        let r = (days + 3) % 7
        return Weekday(rawValue: (r < 0 ? r + 7 : r) + 1)!
    }
}

// MARK: - LocalTime

/// A wall-clock time of day, to the second.
public struct LocalTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible, LosslessStringConvertible {
    public let hour: Int
    public let minute: Int
    public let second: Int

    public init?(hour: Int, minute: Int, second: Int = 0) {
        guard (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second) else { return nil }
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    init(secondsSinceMidnight s: Int) {
        hour = s / 3600
        minute = s / 60 % 60
        second = s % 60
    }

    public static let midnight = LocalTime(secondsSinceMidnight: 0)

    public var secondsSinceMidnight: Int { hour * 3600 + minute * 60 + second }

    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool {
        lhs.secondsSinceMidnight < rhs.secondsSinceMidnight
    }

    /// "HH:MM:SS".
    public var description: String {
        var out = ""
        out.reserveCapacity(8)
        CalendarText.append2(hour, to: &out)
        out.append(":")
        CalendarText.append2(minute, to: &out)
        out.append(":")
        CalendarText.append2(second, to: &out)
        return out
    }

    /// Strict parse of "HH:MM" or "HH:MM:SS" (24-hour clock).
    public init(parsing text: String) throws(CivilTimeParseError) {
        let bytes = Array(text.utf8)
        self = try LocalTime.parse(bytes[...], type: "LocalTime", input: text, format: "HH:MM[:SS]")
    }

    static func parse(_ bytes: ArraySlice<UInt8>, type: String, input: String, format: String)
        throws(CivilTimeParseError) -> LocalTime
    {
        let b = Array(bytes)
        let malformed = CivilTimeParseError(type: type, input: input, reason: .malformed(expectedFormat: format))
        guard b.count == 5 || b.count == 8, b[2] == UInt8(ascii: ":"),
            let h = CalendarText.number(b, 0, 2), let m = CalendarText.number(b, 3, 2)
        else { throw malformed }
        var s = 0
        if b.count == 8 {
            guard b[5] == UInt8(ascii: ":"), let sec = CalendarText.number(b, 6, 2) else { throw malformed }
            s = sec
        }
        guard h <= 23 else { throw CivilTimeParseError(type: type, input: input, reason: .outOfRange(field: "hour")) }
        guard m <= 59 else { throw CivilTimeParseError(type: type, input: input, reason: .outOfRange(field: "minute")) }
        guard s <= 59 else { throw CivilTimeParseError(type: type, input: input, reason: .outOfRange(field: "second")) }
        return LocalTime(secondsSinceMidnight: h * 3600 + m * 60 + s)
    }

    public init?(_ description: String) {
        guard let value = try? LocalTime(parsing: description) else { return nil }
        self = value
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try LocalTime(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

// MARK: - LocalDateTime

/// A date and wall-clock time without a time zone (in Samtak: Europe/Oslo wall time).
public struct LocalDateTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible,
    LosslessStringConvertible
{
    public let date: LocalDate
    public let time: LocalTime

    public init(date: LocalDate, time: LocalTime) {
        self.date = date
        self.time = time
    }

    /// Validating convenience initializer.
    public init?(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int = 0) {
        guard let date = LocalDate(year: year, month: month, day: day),
            let time = LocalTime(hour: hour, minute: minute, second: second)
        else { return nil }
        self.init(date: date, time: time)
    }

    /// Seconds since 1970-01-01T00:00:00 *as if* this wall time were UTC.
    public var secondsSinceEpochAsUTC: Int { date.daysSinceEpoch * 86_400 + time.secondsSinceMidnight }

    /// Inverse of `secondsSinceEpochAsUTC`.
    public init(secondsSinceEpochAsUTC s: Int) {
        let days = s >= 0 ? s / 86_400 : (s - 86_399) / 86_400
        self.init(date: LocalDate(daysSinceEpoch: days), time: LocalTime(secondsSinceMidnight: s - days * 86_400))
    }

    public func adding(seconds: Int) -> LocalDateTime {
        LocalDateTime(secondsSinceEpochAsUTC: secondsSinceEpochAsUTC + seconds)
    }

    public static func < (lhs: LocalDateTime, rhs: LocalDateTime) -> Bool {
        lhs.date != rhs.date ? lhs.date < rhs.date : lhs.time < rhs.time
    }

    /// "YYYY-MM-DDTHH:MM:SS".
    public var description: String { date.description + "T" + time.description }

    /// "YYYYMMDDTHHMMSS" (RFC 5545 DATE-TIME, floating).
    public var basicFormat: String {
        var out = date.basicFormat
        out.append("T")
        CalendarText.append2(time.hour, to: &out)
        CalendarText.append2(time.minute, to: &out)
        CalendarText.append2(time.second, to: &out)
        return out
    }

    /// Strict parse of "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS".
    public init(parsing text: String) throws(CivilTimeParseError) {
        let format = "YYYY-MM-DDTHH:MM[:SS]"
        let bytes = Array(text.utf8)
        guard bytes.count == 16 || bytes.count == 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T"),
            let y = CalendarText.number(bytes, 0, 4),
            let m = CalendarText.number(bytes, 5, 2),
            let d = CalendarText.number(bytes, 8, 2)
        else {
            throw CivilTimeParseError(type: "LocalDateTime", input: text, reason: .malformed(expectedFormat: format))
        }
        let time = try LocalTime.parse(bytes[11...], type: "LocalDateTime", input: text, format: format)
        let date = try LocalDate.validated(year: y, month: m, day: d, type: "LocalDateTime", input: text)
        self.init(date: date, time: time)
    }

    public init?(_ description: String) {
        guard let value = try? LocalDateTime(parsing: description) else { return nil }
        self = value
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try LocalDateTime(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
        try DateInputRules.check(date, decoder: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

// MARK: - Text helpers (internal)

enum CalendarText {
    /// Parses `length` ASCII digits at `offset`; nil if any is not a digit.
    @inline(__always)
    static func number(_ bytes: [UInt8], _ offset: Int, _ length: Int) -> Int? {
        guard offset >= 0, offset + length <= bytes.count else { return nil }
        var value = 0
        for i in offset..<(offset + length) {
            let c = bytes[i]
            guard c >= 48, c <= 57 else { return nil }
            value = value * 10 + Int(c - 48)
        }
        return value
    }

    static func append2(_ value: Int, to out: inout String) {
        if value < 10 { out.append("0") }
        out.append(String(value))
    }

    static func appendYear(_ year: Int, to out: inout String) {
        if year < 0 {
            out.append("-")
            appendYear(-year, to: &out)
            return
        }
        if year < 1000 { out.append("0") }
        if year < 100 { out.append("0") }
        if year < 10 { out.append("0") }
        out.append(String(year))
    }
}
