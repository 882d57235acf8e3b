import Foundation
import SamtakDomain

/// Norwegian (bokmål) wording of times and lists for documents, always in Europe/Oslo time.
enum NorwegianText {
    /// "tirsdag 2. mars 2027 kl. 14.00".
    static func dateTime(_ instant: Date) -> String { OsloTime.norwegianLong(instant) }

    /// "14.00".
    static func clock(_ instant: Date) -> String { OsloTime.norwegianClock(OsloTime.localDateTime(at: instant).time) }

    /// "tirsdag 2. mars 2027".
    static func date(_ date: LocalDate) -> String { OsloTime.norwegianDate(date) }

    /// A meeting's time: "tirsdag 2. mars 2027 kl. 14.00–15.30"; a meeting that ends on another
    /// day: "tirsdag 2. mars 2027 kl. 14.00 – onsdag 3. mars 2027 kl. 10.00".
    static func meetingTime(start: Date, end: Date) -> String {
        guard end > start else { return dateTime(start) }
        let from = OsloTime.localDateTime(at: start)
        let to = OsloTime.localDateTime(at: end)
        if from.date == to.date {
            return "\(OsloTime.norwegianLong(from))–\(OsloTime.norwegianClock(to.time))"
        }
        return "\(OsloTime.norwegianLong(from)) – \(OsloTime.norwegianLong(to))"
    }

    /// A time slot: "14.00–14.20".
    static func slot(start: Date, minutes: Int) -> String {
        let end = start.addingTimeInterval(TimeInterval(max(minutes, 0) * 60))
        return "\(clock(start))–\(clock(end))"
    }

    /// "Kari", "Kari og Per", "Kari, Per og Ola".
    static func list(_ items: [String]) -> String {
        switch items.count {
        case 0: return ""
        case 1: return items[0]
        default: return items.dropLast().joined(separator: ", ") + " og " + items[items.count - 1]
        }
    }

    /// Splits free text into paragraphs (blank-line separated) of lines, dropping empty ones.
    static func paragraphs(_ text: String) -> [[String]] {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var result: [[String]] = []
        var current: [String] = []
        for raw in normalized.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty {
                if !current.isEmpty { result.append(current) }
                current = []
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// Free text as plain-text lines indented by `indent` (blank line between paragraphs).
    static func indented(_ text: String, by indent: String) -> String {
        paragraphs(text).map { $0.map { indent + $0 }.joined(separator: "\n") }.joined(separator: "\n\n")
    }

    /// Single-line form of a value (for subjects and one-line fields): control characters and
    /// line breaks become spaces, runs of spaces collapse.
    static func oneLine(_ text: String) -> String {
        var out = ""
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            let isSpace = scalar.properties.isWhitespace || scalar.properties.generalCategory == .control
            if isSpace {
                if !lastWasSpace && !out.isEmpty { out.append(" ") }
                lastWasSpace = true
            } else {
                out.unicodeScalars.append(scalar)
                lastWasSpace = false
            }
        }
        if out.hasSuffix(" ") { out.removeLast() }
        return out
    }
}
