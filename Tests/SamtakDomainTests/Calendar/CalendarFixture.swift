import SamtakDomain

/// Small helpers for the calendar tests (namespaced to avoid clashing with other test files).
enum CalendarFixture {
    static func date(_ text: String) -> LocalDate {
        do { return try LocalDate(parsing: text) } catch { fatalError("bad test date \(text): \(error)") }
    }

    static func dateTime(_ text: String) -> LocalDateTime {
        do { return try LocalDateTime(parsing: text) } catch { fatalError("bad test date-time \(text): \(error)") }
    }

    static func rule(_ text: String) -> RecurrenceRule {
        do { return try RecurrenceRule(parsing: text) } catch { fatalError("bad test rule \(text): \(error)") }
    }

    static func dates(_ texts: [String]) -> [LocalDate] { texts.map(date) }

    /// Parses a rule and returns the error it is rejected with (nil if accepted).
    static func parseError(_ text: String) -> RecurrenceRuleParseError? {
        do {
            _ = try RecurrenceRule(parsing: text)
            return nil
        } catch {
            return error
        }
    }
}
