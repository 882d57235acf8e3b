import Foundation
import SamtakDomain

/// `samtak-scheduler preview`: a coordinator checks a rule before saving it. One
/// occurrence per line as ISO 8601 with its UTC offset, from `start` through `until`, in
/// Europe/Oslo time with the chosen public-holiday policy (the same expansion the planner
/// uses, without school holidays or EXDATEs, which belong to a saved arena).
public struct RecurrencePreview: Sendable {
    public var rule: RecurrenceRule
    public var start: LocalDateTime
    public var until: LocalDate
    public var holidayPolicy: HolidayPolicy

    /// The longest span a preview covers.
    public static let maximumDays = 3660

    /// Validates the command's arguments; the error says which one is wrong and why.
    public init(rrule: String, start: String, until: String, holidays: String) throws(PreviewArgumentError) {
        do {
            rule = try RecurrenceRule(parsing: rrule)
        } catch {
            throw PreviewArgumentError(argument: "--rrule", problem: error.description)
        }
        guard let start = LocalDateTime(start) else {
            throw PreviewArgumentError(argument: "--start", problem: "\"\(start)\" is not a Europe/Oslo local time YYYY-MM-DDTHH:MM")
        }
        guard let until = LocalDate(until) else {
            throw PreviewArgumentError(argument: "--until", problem: "\"\(until)\" is not a date YYYY-MM-DD")
        }
        guard let policy = HolidayPolicy(code: holidays) else {
            throw PreviewArgumentError(argument: "--holidays", problem: "\"\(holidays)\" is not one of keep, skip, move")
        }
        guard until >= start.date else { throw PreviewArgumentError(argument: "--until", problem: "is before --start") }
        guard start.date.days(until: until) <= Self.maximumDays else {
            throw PreviewArgumentError(argument: "--until", problem: "must be within ten years of --start")
        }
        self.start = start
        self.until = until
        self.holidayPolicy = policy
    }

    public var lines: [String] {
        RecurrenceSeries(rule: rule, start: start, holidayPolicy: holidayPolicy).previewLines(from: start.date, through: until)
    }

    /// Runs the subcommand: lines on standard output, or the problem on standard error.
    /// Returns the exit status (0, or 2 for a bad argument).
    public static func main(rrule: String, start: String, until: String, holidays: String) -> Int32 {
        do {
            let preview = try RecurrencePreview(rrule: rrule, start: start, until: until, holidays: holidays)
            let text = preview.lines.map { $0 + "\n" }.joined()
            FileHandle.standardOutput.write(Data(text.utf8))
            return 0
        } catch {
            FileHandle.standardError.write(Data("samtak-scheduler preview: \(error)\n".utf8))
            return 2
        }
    }
}

/// A preview argument that cannot be used: which one, and why.
public struct PreviewArgumentError: Error, Sendable, Equatable, CustomStringConvertible {
    public var argument: String
    public var problem: String
    public var description: String { "\(argument): \(problem)" }
}
