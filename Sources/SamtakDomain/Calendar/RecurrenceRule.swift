/// An RFC 5545 recurrence rule (RRULE), restricted to what Samtak's meetings need:
/// FREQ=DAILY|WEEKLY|MONTHLY|YEARLY with INTERVAL, COUNT, UNTIL, BYDAY, BYMONTHDAY, BYMONTH,
/// BYSETPOS and WKST. Everything else is rejected with a `RecurrenceRuleParseError`.
///
/// Values are normalised (lists sorted and de-duplicated, INTERVAL=1 and WKST=MO implicit), so
/// two rules with the same meaning compare equal and `description` is canonical.
public struct RecurrenceRule: Sendable, Hashable, Codable, CustomStringConvertible, LosslessStringConvertible {
    public enum Frequency: String, Sendable, Hashable, CaseIterable, Codable {
        case daily = "DAILY"
        case weekly = "WEEKLY"
        case monthly = "MONTHLY"
        case yearly = "YEARLY"
    }

    /// A BYDAY entry: a weekday, optionally with an ordinal ("1TU", "-1FR").
    public struct ByDay: Sendable, Hashable, Comparable, CustomStringConvertible {
        /// nil for "every such weekday in the period"; ±1...53 otherwise.
        public let ordinal: Int?
        public let weekday: Weekday

        public init(_ weekday: Weekday, ordinal: Int? = nil) {
            self.weekday = weekday
            self.ordinal = ordinal
        }

        public var description: String {
            guard let ordinal else { return weekday.rfc5545Code }
            return String(ordinal) + weekday.rfc5545Code
        }

        /// Order: plain weekdays first, then positive ordinals ascending, then negative
        /// ordinals from -1 downwards; within the same ordinal by weekday.
        public static func < (lhs: ByDay, rhs: ByDay) -> Bool {
            let l = sortKey(lhs.ordinal), r = sortKey(rhs.ordinal)
            return l != r ? l < r : lhs.weekday < rhs.weekday
        }

        private static func sortKey(_ ordinal: Int?) -> Int {
            guard let ordinal else { return 0 }
            return ordinal > 0 ? ordinal : 100 - ordinal
        }
    }

    /// The inclusive end of an UNTIL-bounded rule.
    public enum Until: Sendable, Hashable, CustomStringConvertible {
        /// UNTIL=YYYYMMDD: occurrences on or before this date.
        case date(LocalDate)
        /// UNTIL=YYYYMMDDTHHMMSS: floating (here: Oslo) wall time.
        case localDateTime(LocalDateTime)
        /// UNTIL=YYYYMMDDTHHMMSSZ: a UTC instant, given as its UTC wall time.
        case utc(LocalDateTime)

        public var description: String {
            switch self {
            case .date(let d): d.basicFormat
            case .localDateTime(let dt): dt.basicFormat
            case .utc(let dt): dt.basicFormat + "Z"
            }
        }
    }

    public let frequency: Frequency
    public let interval: Int
    public let count: Int?
    public let until: Until?
    public let byMonth: [Int]
    public let byMonthDay: [Int]
    public let byDay: [ByDay]
    public let bySetPos: [Int]
    public let weekStart: Weekday

    /// Validating memberwise initializer; applies the same checks as parsing.
    public init(
        frequency: Frequency,
        interval: Int = 1,
        count: Int? = nil,
        until: Until? = nil,
        byMonth: [Int] = [],
        byMonthDay: [Int] = [],
        byDay: [ByDay] = [],
        bySetPos: [Int] = [],
        weekStart: Weekday = .monday
    ) throws(RecurrenceRuleParseError) {
        self.frequency = frequency
        self.interval = interval
        self.count = count
        self.until = until
        self.byMonth = Array(Set(byMonth)).sorted()
        self.byMonthDay = Array(Set(byMonthDay)).sorted()
        self.byDay = Array(Set(byDay)).sorted()
        self.bySetPos = Array(Set(bySetPos)).sorted()
        self.weekStart = weekStart
        try validate()
    }

    /// Parses an RRULE value, with or without a leading "RRULE:". Names and values are
    /// case-insensitive (RFC 5545 §3.1); surrounding whitespace is ignored, inner whitespace is not.
    public init(parsing text: String) throws(RecurrenceRuleParseError) {
        self = try RecurrenceRuleParser.parse(text)
    }

    public init?(_ description: String) {
        guard let rule = try? RecurrenceRule(parsing: description) else { return nil }
        self = rule
    }

    /// Canonical text without the "RRULE:" prefix, parts in the order
    /// FREQ, INTERVAL, COUNT, UNTIL, BYMONTH, BYMONTHDAY, BYDAY, BYSETPOS, WKST.
    public var description: String {
        var parts = ["FREQ=" + frequency.rawValue]
        if interval != 1 { parts.append("INTERVAL=\(interval)") }
        if let count { parts.append("COUNT=\(count)") }
        if let until { parts.append("UNTIL=\(until)") }
        if !byMonth.isEmpty { parts.append("BYMONTH=" + byMonth.map(String.init).joined(separator: ",")) }
        if !byMonthDay.isEmpty { parts.append("BYMONTHDAY=" + byMonthDay.map(String.init).joined(separator: ",")) }
        if !byDay.isEmpty { parts.append("BYDAY=" + byDay.map(\.description).joined(separator: ",")) }
        if !bySetPos.isEmpty { parts.append("BYSETPOS=" + bySetPos.map(String.init).joined(separator: ",")) }
        if weekStart != .monday { parts.append("WKST=" + weekStart.rfc5545Code) }
        return parts.joined(separator: ";")
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try RecurrenceRule(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    // MARK: Validation

    static let maxInterval = 10_000
    static let maxCount = 1_000_000

    private func validate() throws(RecurrenceRuleParseError) {
        typealias E = RecurrenceRuleParseError
        guard (1...Self.maxInterval).contains(interval) else {
            throw E(part: "INTERVAL", reason: .outOfRange(value: "\(interval)", allowed: "1...\(Self.maxInterval)"))
        }
        if let count {
            guard (1...Self.maxCount).contains(count) else {
                throw E(part: "COUNT", reason: .outOfRange(value: "\(count)", allowed: "1...\(Self.maxCount)"))
            }
            if until != nil { throw E(part: "UNTIL", reason: .conflictsWith("COUNT")) }
        }
        for m in byMonth where !(1...12).contains(m) {
            throw E(part: "BYMONTH", reason: .outOfRange(value: "\(m)", allowed: "1...12"))
        }
        for d in byMonthDay where d == 0 || !(-31...31).contains(d) {
            throw E(part: "BYMONTHDAY", reason: .outOfRange(value: "\(d)", allowed: "-31...-1 or 1...31"))
        }
        if frequency == .weekly && !byMonthDay.isEmpty {
            throw E(part: "BYMONTHDAY", reason: .notAllowedWithFrequency(.weekly))
        }
        for p in bySetPos where p == 0 || !(-366...366).contains(p) {
            throw E(part: "BYSETPOS", reason: .outOfRange(value: "\(p)", allowed: "-366...-1 or 1...366"))
        }
        if !bySetPos.isEmpty && byMonth.isEmpty && byMonthDay.isEmpty && byDay.isEmpty {
            throw E(part: "BYSETPOS", reason: .requiresAnotherByRule)
        }
        // Ordinals are relative to the month for MONTHLY, and for YEARLY with BYMONTH;
        // relative to the year for YEARLY without BYMONTH; meaningless for WEEKLY and DAILY.
        let ordinalLimit = (frequency == .monthly || !byMonth.isEmpty) ? 5 : 53
        for entry in byDay {
            guard let n = entry.ordinal else { continue }
            if frequency == .weekly || frequency == .daily {
                throw E(part: "BYDAY", reason: .ordinalNotAllowed(frequency: frequency, value: entry.description))
            }
            guard n != 0, abs(n) <= ordinalLimit else {
                throw E(
                    part: "BYDAY",
                    reason: .outOfRange(value: entry.description, allowed: "ordinal -\(ordinalLimit)...-1 or 1...\(ordinalLimit)")
                )
            }
        }
    }
}

/// Why an RRULE was rejected: which part, and why.
public struct RecurrenceRuleParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        /// The rule text is empty.
        case empty
        /// A part is not of the form NAME=VALUE (or is empty, e.g. a trailing ";").
        case malformedPart
        /// Not an RFC 5545 RRULE part at all.
        case unknownPart
        /// A valid RFC 5545 part or value that Samtak does not support (BYHOUR, FREQ=HOURLY, ...).
        case notSupported(String)
        /// The same part appears twice.
        case duplicatePart
        /// A required part is missing (FREQ).
        case missing
        /// A value that should be an integer is not one.
        case malformedNumber(String)
        /// A value is not valid for the part (bad weekday, bad date, empty list element, ...).
        case invalidValue(String)
        /// A number outside the allowed range (including 0 where RFC 5545 forbids it).
        case outOfRange(value: String, allowed: String)
        /// The part cannot be combined with another part (COUNT with UNTIL).
        case conflictsWith(String)
        /// An ordinal BYDAY ("1TU") with FREQ=WEEKLY or DAILY.
        case ordinalNotAllowed(frequency: RecurrenceRule.Frequency, value: String)
        /// The part is not allowed with this frequency (BYMONTHDAY with WEEKLY).
        case notAllowedWithFrequency(RecurrenceRule.Frequency)
        /// BYSETPOS without BYDAY, BYMONTHDAY or BYMONTH.
        case requiresAnotherByRule
    }

    /// The rule part concerned, upper case ("COUNT", "BYDAY", ...); "RRULE" for the whole rule.
    public let part: String
    public let reason: Reason

    public init(part: String, reason: Reason) {
        self.part = part
        self.reason = reason
    }

    public var description: String { message(withValues: true) }

    /// The same without any value taken from the rule text (the part name is one of RFC
    /// 5545's fixed names only when it is one): for API answers and logs, which never echo input.
    public var fieldSafeDescription: String { message(withValues: false) }

    private func message(withValues: Bool) -> String {
        func value(_ text: String, _ format: (String) -> String, otherwise: String) -> String { withValues ? format(text) : otherwise }
        let what: String
        switch reason {
        case .empty: what = "the rule is empty"
        case .malformedPart: what = "expected NAME=VALUE"
        case .unknownPart: what = "unknown rule part"
        case .notSupported(let text): what = value(text, { "\($0) is not supported" }, otherwise: "is not supported")
        case .duplicatePart: what = "appears more than once"
        case .missing: what = "is required"
        case .malformedNumber(let text): what = value(text, { "\"\($0)\" is not a valid integer" }, otherwise: "is not a valid integer")
        case .invalidValue(let text): what = value(text, { "invalid value \"\($0)\"" }, otherwise: "has an invalid value")
        case .outOfRange(let text, let allowed): what = value(text, { "\($0) is out of range" }, otherwise: "is out of range") + " (allowed: \(allowed))"
        case .conflictsWith(let other): what = "must not be combined with \(other)"
        case .ordinalNotAllowed(let frequency, let text):
            what = value(text, { "ordinal weekday \($0) is not allowed" }, otherwise: "ordinal weekdays are not allowed") + " with FREQ=\(frequency.rawValue)"
        case .notAllowedWithFrequency(let frequency): what = "is not allowed with FREQ=\(frequency.rawValue)"
        case .requiresAnotherByRule: what = "requires BYDAY, BYMONTHDAY or BYMONTH"
        }
        if withValues { return "RRULE \(part): \(what)" }
        let known = RecurrenceRuleParser.knownParts.contains(part) || part == "RRULE"
        return known ? "RRULE \(part): \(what)" : "RRULE: \(what)"
    }
}

// MARK: - Parser

enum RecurrenceRuleParser {
    typealias E = RecurrenceRuleParseError

    static let unsupportedParts: Set<String> = ["BYHOUR", "BYMINUTE", "BYSECOND", "BYWEEKNO", "BYYEARDAY"]
    static let unsupportedFrequencies: Set<String> = ["SECONDLY", "MINUTELY", "HOURLY"]
    /// RFC 5545's part names Samtak knows (supported or not): safe to name in a message.
    static let knownParts: Set<String> = unsupportedParts.union(["FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYMONTHDAY", "BYDAY", "BYSETPOS", "WKST"])

    static func parse(_ input: String) throws(RecurrenceRuleParseError) -> RecurrenceRule {
        var text = Substring(input.trimmingSpaces())
        if text.count >= 6, text.prefix(6).uppercased() == "RRULE:" { text = text.dropFirst(6) }
        guard !text.isEmpty else { throw E(part: "RRULE", reason: .empty) }

        var seen: Set<String> = []
        var frequency: RecurrenceRule.Frequency?
        var interval = 1
        var count: Int?
        var until: RecurrenceRule.Until?
        var byMonth: [Int] = []
        var byMonthDay: [Int] = []
        var byDay: [(raw: String, ordinal: Int?, weekday: Weekday)] = []
        var bySetPos: [Int] = []
        var weekStart = Weekday.monday

        for rawPart in text.split(separator: ";", omittingEmptySubsequences: false) {
            guard let eq = rawPart.firstIndex(of: "="), eq != rawPart.startIndex else {
                throw E(part: rawPart.isEmpty ? "RRULE" : String(rawPart).uppercased(), reason: .malformedPart)
            }
            let name = rawPart[..<eq].uppercased()
            let value = String(rawPart[rawPart.index(after: eq)...]).uppercased()
            switch name {
            case "FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYMONTHDAY", "BYDAY", "BYSETPOS", "WKST":
                break
            default:
                if unsupportedParts.contains(name) { throw E(part: name, reason: .notSupported(name)) }
                throw E(part: name, reason: .unknownPart)
            }
            guard seen.insert(name).inserted else { throw E(part: name, reason: .duplicatePart) }
            guard !value.isEmpty else { throw E(part: name, reason: .invalidValue(value)) }

            switch name {
            case "FREQ":
                if let f = RecurrenceRule.Frequency(rawValue: value) {
                    frequency = f
                } else if unsupportedFrequencies.contains(value) {
                    throw E(part: name, reason: .notSupported("FREQ=" + value))
                } else {
                    throw E(part: name, reason: .invalidValue(value))
                }
            case "INTERVAL":
                interval = try positive(value, part: name, max: RecurrenceRule.maxInterval)
            case "COUNT":
                count = try positive(value, part: name, max: RecurrenceRule.maxCount)
            case "UNTIL":
                until = try parseUntil(value)
            case "BYMONTH":
                byMonth = try list(value, part: name) { item throws(E) in
                    let n = try integer(item, part: name, signed: false)
                    guard (1...12).contains(n) else { throw E(part: name, reason: .outOfRange(value: item, allowed: "1...12")) }
                    return n
                }
            case "BYMONTHDAY":
                byMonthDay = try list(value, part: name) { item throws(E) in
                    let n = try integer(item, part: name, signed: true)
                    guard n != 0, (-31...31).contains(n) else {
                        throw E(part: name, reason: .outOfRange(value: item, allowed: "-31...-1 or 1...31"))
                    }
                    return n
                }
            case "BYSETPOS":
                bySetPos = try list(value, part: name) { item throws(E) in
                    let n = try integer(item, part: name, signed: true)
                    guard n != 0, (-366...366).contains(n) else {
                        throw E(part: name, reason: .outOfRange(value: item, allowed: "-366...-1 or 1...366"))
                    }
                    return n
                }
            case "BYDAY":
                byDay = try list(value, part: name) { item throws(E) in try parseByDay(item) }
            case "WKST":
                guard let wd = Weekday(rfc5545Code: value) else { throw E(part: name, reason: .invalidValue(value)) }
                weekStart = wd
            default:
                break
            }
        }

        guard let frequency else { throw E(part: "FREQ", reason: .missing) }
        if count != nil && until != nil { throw E(part: "UNTIL", reason: .conflictsWith("COUNT")) }
        // Ordinal checks need FREQ and BYMONTH, so they run after all parts are read; report
        // the entry as written.
        let ordinalLimit = (frequency == .monthly || !byMonth.isEmpty) ? 5 : 53
        for entry in byDay {
            guard let n = entry.ordinal else { continue }
            if frequency == .weekly || frequency == .daily {
                throw E(part: "BYDAY", reason: .ordinalNotAllowed(frequency: frequency, value: entry.raw))
            }
            if n == 0 || abs(n) > ordinalLimit {
                throw E(
                    part: "BYDAY",
                    reason: .outOfRange(value: entry.raw, allowed: "ordinal -\(ordinalLimit)...-1 or 1...\(ordinalLimit)")
                )
            }
        }
        return try RecurrenceRule(
            frequency: frequency,
            interval: interval,
            count: count,
            until: until,
            byMonth: byMonth,
            byMonthDay: byMonthDay,
            byDay: byDay.map { RecurrenceRule.ByDay($0.weekday, ordinal: $0.ordinal) },
            bySetPos: bySetPos,
            weekStart: weekStart
        )
    }

    private static func list<T>(_ value: String, part: String, _ element: (String) throws(E) -> T) throws(E) -> [T] {
        var out: [T] = []
        for item in value.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw E(part: part, reason: .invalidValue(value)) }
            out.append(try element(String(item)))
        }
        return out
    }

    /// Digits with an optional sign (when `signed`); at most 9 digits.
    private static func integer(_ text: String, part: String, signed: Bool) throws(E) -> Int {
        var digits = Substring(text)
        var negative = false
        if signed, let first = digits.first, first == "+" || first == "-" {
            negative = first == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let n = Int(digits)
        else { throw E(part: part, reason: .malformedNumber(text)) }
        return negative ? -n : n
    }

    private static func positive(_ text: String, part: String, max: Int) throws(E) -> Int {
        let n = try integer(text, part: part, signed: false)
        guard n >= 1, n <= max else { throw E(part: part, reason: .outOfRange(value: text, allowed: "1...\(max)")) }
        return n
    }

    private static func parseByDay(_ item: String) throws(E) -> (raw: String, ordinal: Int?, weekday: Weekday) {
        guard item.count >= 2, let weekday = Weekday(rfc5545Code: String(item.suffix(2))) else {
            throw E(part: "BYDAY", reason: .invalidValue(item))
        }
        let prefix = String(item.dropLast(2))
        guard !prefix.isEmpty else { return (item, nil, weekday) }
        var digits = Substring(prefix)
        if let first = digits.first, first == "+" || first == "-" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 2, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw E(part: "BYDAY", reason: .invalidValue(item))
        }
        let n = try integer(prefix, part: "BYDAY", signed: true)
        return (item, n, weekday)
    }

    private static func parseUntil(_ value: String) throws(E) -> RecurrenceRule.Until {
        let bytes = Array(value.utf8)
        let bad = E(part: "UNTIL", reason: .invalidValue(value))
        guard bytes.count == 8 || bytes.count == 15 || bytes.count == 16,
            let y = CalendarText.number(bytes, 0, 4),
            let m = CalendarText.number(bytes, 4, 2),
            let d = CalendarText.number(bytes, 6, 2),
            y >= 1, let date = LocalDate(year: y, month: m, day: d)
        else { throw bad }
        if bytes.count == 8 { return .date(date) }
        guard bytes[8] == UInt8(ascii: "T"),
            let hh = CalendarText.number(bytes, 9, 2),
            let mm = CalendarText.number(bytes, 11, 2),
            let ss = CalendarText.number(bytes, 13, 2),
            let time = LocalTime(hour: hh, minute: mm, second: ss)
        else { throw bad }
        let dateTime = LocalDateTime(date: date, time: time)
        if bytes.count == 15 { return .localDateTime(dateTime) }
        guard bytes[15] == UInt8(ascii: "Z") else { throw bad }
        return .utc(dateTime)
    }
}

extension String {
    fileprivate func trimmingSpaces() -> Substring {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s = s.dropLast() }
        return s
    }
}
