import Foundation

/// The sane range of a date that comes in from outside (an API body or query, a rule's
/// UNTIL): checked before anything reaches SQL or the calendar arithmetic, so a year such as
/// 0001 or 0100 is a 422 naming the field, never a 500 (PostgreSQL refuses some of them
/// with SQLSTATE 22008) or a meeting in antiquity.
///
/// - Birth dates (a field named `birth_date`): from 1900-01-01 to today (Europe/Oslo).
/// - Every other date (meetings, consent validity, school holidays, due dates, measures,
///   query bounds, a rule's UNTIL): within ``windowYears`` years either side of today.
///
/// The intake's JSON decoder carries the rules in its `userInfo`, so every `LocalDate` and
/// `LocalDateTime` in a request body is checked while it is decoded; query parameters go
/// through ``parseDate(_:field:)`` and ``parseDateTime(_:field:)``. The messages name the
/// bounds, never the value given.
public struct DateInputRules: Sendable, Hashable {
    /// How far before and after today an ordinary date may lie.
    public static let windowYears = 20
    public static let earliestBirthDate = LocalDate(year: 1900, month: 1, day: 1)!

    public enum Kind: Sendable, Hashable {
        case birthDate
        case calendar
    }

    /// Today in Europe/Oslo, the reference of every range.
    public let today: LocalDate

    public init(today: LocalDate) {
        self.today = today
    }

    /// The rules as of now.
    public static func current(at instant: Date = Date()) -> DateInputRules {
        DateInputRules(today: OsloTime.localDate(at: instant))
    }

    /// The kind of a field by its name: `birth_date`, `birthDate`, `child.birth_date` are
    /// birth dates; everything else is a calendar date.
    public static func kind(ofField name: String?) -> Kind {
        guard let name else { return .calendar }
        let letters = name.lowercased().filter { $0 != "_" }
        return letters.hasSuffix("birthdate") ? .birthDate : .calendar
    }

    public func range(_ kind: Kind) -> ClosedRange<LocalDate> {
        switch kind {
        case .birthDate: Self.earliestBirthDate...today
        case .calendar: today.adding(years: -Self.windowYears)...today.adding(years: Self.windowYears)
        }
    }

    /// Nil when `date` is within the range of `kind`, else what is wrong (without the value).
    public func violation(_ date: LocalDate, kind: Kind) -> DateRangeViolation? {
        let range = range(kind)
        if range.contains(date) { return nil }
        switch kind {
        case .birthDate:
            return date > today
                ? DateRangeViolation(message: "must not be in the future")
                : DateRangeViolation(message: "must not be before \(Self.earliestBirthDate)")
        case .calendar:
            return DateRangeViolation(message: "must be from \(range.lowerBound) to \(range.upperBound) (\(Self.windowYears) years either side of today)")
        }
    }

    public func violation(_ date: LocalDate, field: String?) -> DateRangeViolation? {
        violation(date, kind: Self.kind(ofField: field))
    }

    /// A query or command-line date: "YYYY-MM-DD" within the field's range.
    public func parseDate(_ text: String, field: String) -> Result<LocalDate, DateRangeViolation> {
        guard let date = LocalDate(text) else { return .failure(DateRangeViolation(rule: "format", message: "must be a date YYYY-MM-DD")) }
        if let violation = violation(date, field: field) { return .failure(violation) }
        return .success(date)
    }

    /// A query date and time: Europe/Oslo wall time "YYYY-MM-DDTHH:MM[:SS]" within the range.
    public func parseDateTime(_ text: String, field: String) -> Result<LocalDateTime, DateRangeViolation> {
        guard let value = LocalDateTime(text) else {
            return .failure(DateRangeViolation(rule: "format", message: "must be Europe/Oslo local time YYYY-MM-DDTHH:MM"))
        }
        if let violation = violation(value.date, field: field) { return .failure(violation) }
        return .success(value)
    }

    /// A school year "YYYY/YYYY+1" whose first year lies in the calendar window; nil if not.
    public func schoolYear(_ text: String) -> (first: Int, second: Int)? {
        let bytes = Array(text.utf8)
        guard bytes.count == 9, bytes[4] == UInt8(ascii: "/"),
              let first = Int(String(decoding: bytes[0..<4], as: UTF8.self)),
              let second = Int(String(decoding: bytes[5..<9], as: UTF8.self)),
              bytes.allSatisfy({ $0 == UInt8(ascii: "/") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              second == first + 1,
              let start = LocalDate(year: first, month: 8, day: 1), range(.calendar).contains(start)
        else { return nil }
        return (first, second)
    }
}

/// A date outside its sane range (or not a date at all): the rule and a message naming the
/// bounds, never the value.
public struct DateRangeViolation: Error, Sendable, Hashable, CustomStringConvertible {
    /// `range` (outside the bounds) or `format` (not a date).
    public var rule: String
    public var message: String

    public init(rule: String = "range", message: String) {
        self.rule = rule
        self.message = message
    }

    public var description: String { message }
}

extension CodingUserInfoKey {
    /// A decoder whose `userInfo` holds ``DateInputRules`` under this key checks every
    /// `LocalDate` and `LocalDateTime` it decodes against them.
    public static let dateInputRules = CodingUserInfoKey(rawValue: "samtak.dateInputRules")!
}

extension DateInputRules {
    /// Checks a decoded date against the rules in `decoder.userInfo`, if any.
    static func check(_ date: LocalDate, decoder: any Decoder) throws {
        guard let rules = decoder.userInfo[.dateInputRules] as? DateInputRules,
              let violation = rules.violation(date, field: decoder.codingPath.last?.stringValue)
        else { return }
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: violation.message, underlyingError: violation))
    }
}
