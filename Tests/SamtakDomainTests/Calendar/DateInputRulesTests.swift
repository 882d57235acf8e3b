import Foundation
import SamtakDomain
import Testing

// Issue 12, finding 6: dates from outside get a sane range before anything uses them.
@Suite("Date input rules: sane ranges for dates from outside")
struct DateInputRulesTests {
    static let rules = DateInputRules(today: LocalDate(year: 2026, month: 12, day: 5)!)

    @Test("birth dates from 1900-01-01 to today")
    func birthDates() {
        let r = Self.rules
        #expect(r.violation(LocalDate("1900-01-01")!, kind: .birthDate) == nil)
        #expect(r.violation(LocalDate("2026-12-05")!, kind: .birthDate) == nil)
        #expect(r.violation(LocalDate("1899-12-31")!, kind: .birthDate)?.rule == "range")
        #expect(r.violation(LocalDate("0001-01-01")!, kind: .birthDate)?.rule == "range")
        #expect(r.violation(LocalDate("2026-12-06")!, kind: .birthDate)?.message == "must not be in the future")
    }

    @Test("other dates within twenty years either side of today")
    func calendarDates() {
        let r = Self.rules
        #expect(r.range(.calendar) == LocalDate("2006-12-05")!...LocalDate("2046-12-05")!)
        for ok in ["2006-12-05", "2026-01-01", "2046-12-05"] { #expect(r.violation(LocalDate(ok)!, kind: .calendar) == nil, "\(ok)") }
        for bad in ["0001-01-01", "0100-01-01", "1999-12-31", "2006-12-04", "2046-12-06", "9999-12-31"] {
            #expect(r.violation(LocalDate(bad)!, kind: .calendar)?.rule == "range", "\(bad)")
        }
    }

    @Test("the kind follows the field name")
    func kinds() {
        #expect(DateInputRules.kind(ofField: "birth_date") == .birthDate)
        #expect(DateInputRules.kind(ofField: "birthDate") == .birthDate)
        #expect(DateInputRules.kind(ofField: "child_birth_date") == .birthDate)
        for field in ["valid_from", "validUntil", "from", "first_day", "starts_at", nil] {
            #expect(DateInputRules.kind(ofField: field) == .calendar)
        }
    }

    @Test("query parsing: format and range, never echoing the value")
    func parsing() throws {
        let r = Self.rules
        #expect(try r.parseDate("2027-01-15", field: "from").get() == LocalDate("2027-01-15")!)
        for (text, rule) in [("0001-01-01", "range"), ("2027-13-01", "format"), ("Kari Nordmann", "format"), ("", "format")] {
            guard case .failure(let problem) = r.parseDate(text, field: "from") else { Issue.record("\(text) accepted"); continue }
            #expect(problem.rule == rule, "\(text)")
            #expect(text.isEmpty || !problem.message.contains(text))
        }
        guard case .failure(let early) = r.parseDateTime("0100-01-01T10:00", field: "start") else { Issue.record("accepted"); return }
        #expect(early.rule == "range")
        #expect(try r.parseDateTime("2027-01-05T14:00", field: "start").get().date == LocalDate("2027-01-05")!)
    }

    @Test("school years")
    func schoolYears() {
        let r = Self.rules
        #expect(r.schoolYear("2026/2027")! == (2026, 2027))
        for bad in ["0100/0101", "2026/2028", "2026-2027", "26/27", "9998/9999", "20x6/2027"] { #expect(r.schoolYear(bad) == nil, "\(bad)") }
    }

    struct Body: Decodable {
        var birthDate: LocalDate?
        var validFrom: LocalDate?
        var startsAt: LocalDateTime?
        var dates: [LocalDate]?
    }

    @Test("a decoder with the rules in userInfo checks every LocalDate and LocalDateTime, naming the field")
    func decoding() throws {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.userInfo[.dateInputRules] = Self.rules
        func refusal(_ json: String) -> (field: String, rule: String)? {
            do {
                _ = try decoder.decode(Body.self, from: Data(json.utf8))
                return nil
            } catch DecodingError.dataCorrupted(let context) {
                guard let violation = context.underlyingError as? DateRangeViolation else { return ("?", "?") }
                return (context.codingPath.map(\.stringValue).joined(separator: "."), violation.rule)
            } catch {
                return ("?", "\(error)")
            }
        }
        #expect(refusal(#"{"birth_date":"2016-03-14","valid_from":"2027-01-01","starts_at":"2027-01-05T14:00"}"#) == nil)
        #expect(refusal(#"{"birth_date":"0100-01-01"}"#)! == ("birthDate", "range"))
        #expect(refusal(#"{"birth_date":"1990-01-01"}"#) == nil)   // a birth date, not a calendar date
        #expect(refusal(#"{"valid_from":"1990-01-01"}"#)! == ("validFrom", "range"))
        #expect(refusal(#"{"starts_at":"0001-01-01T10:00"}"#)! == ("startsAt", "range"))
        #expect(refusal(#"{"dates":["2027-01-01","0001-01-01"]}"#)?.rule == "range")
        // Without the rules (the services' own decoding of stored data), any valid date passes.
        #expect(throws: Never.self) { try JSONDecoder().decode(Body.self, from: Data(#"{"validFrom":"0100-01-01"}"#.utf8)) }
    }

    @Test("recurrence-rule errors have a description that never repeats the rule's text")
    func recurrenceRuleErrors() {
        for text in ["FREQ=WEEKLY;BYDAY=KARINORDMANN", "KARI=NORDMANN", "FREQ=WEEKLY;COUNT=Kari", "FREQ=WEEKLY;BYMONTH=99999",
                     "FREQ=WEEKLY;UNTIL=Kari01", "Kari Nordmann", "FREQ=WEEKLY;BYDAY=1TU"] {
            do {
                _ = try RecurrenceRule(parsing: text)
                Issue.record("\(text) accepted")
            } catch {
                let safe = error.fieldSafeDescription
                #expect(!safe.uppercased().contains("KARI") && !safe.contains("99999") && !safe.contains("1TU"), "\(text) → \(safe)")
                #expect(safe.hasPrefix("RRULE"))
            }
        }
    }
}
