import Foundation
import SamtakDomain
import Testing

@Suite("RRULE parsing")
struct RecurrenceRuleParseTests {
    typealias F = CalendarFixture
    typealias Reason = RecurrenceRuleParseError.Reason

    @Test func parsesAllSupportedParts() throws {
        let rule = try RecurrenceRule(
            parsing: "RRULE:FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=10,3;BYMONTHDAY=-1,1;BYDAY=-1FR,+2MO,1TU,WE;BYSETPOS=-1,1;WKST=SU"
        )
        #expect(rule.frequency == .yearly)
        #expect(rule.interval == 2)
        #expect(rule.count == 10)
        #expect(rule.until == nil)
        #expect(rule.byMonth == [3, 10])
        #expect(rule.byMonthDay == [-1, 1])
        #expect(rule.byDay == [
            .init(.wednesday), .init(.tuesday, ordinal: 1), .init(.monday, ordinal: 2), .init(.friday, ordinal: -1),
        ])
        #expect(rule.bySetPos == [-1, 1])
        #expect(rule.weekStart == .sunday)
        #expect(rule.description == "FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=3,10;BYMONTHDAY=-1,1;BYDAY=WE,1TU,2MO,-1FR;BYSETPOS=-1,1;WKST=SU")
    }

    @Test func untilForms() throws {
        #expect(try RecurrenceRule(parsing: "FREQ=DAILY;UNTIL=20270630").until == .date(F.date("2027-06-30")))
        #expect(try RecurrenceRule(parsing: "FREQ=DAILY;UNTIL=20270630T143000").until
            == .localDateTime(F.dateTime("2027-06-30T14:30")))
        #expect(try RecurrenceRule(parsing: "FREQ=DAILY;UNTIL=20270630T143000Z").until == .utc(F.dateTime("2027-06-30T14:30")))
        #expect(try RecurrenceRule(parsing: "FREQ=DAILY;UNTIL=20270630T143000Z").description == "FREQ=DAILY;UNTIL=20270630T143000Z")
    }

    @Test func canonicalDescription() throws {
        let cases: [(String, String)] = [
            ("rrule:freq=monthly;byday=1tu", "FREQ=MONTHLY;BYDAY=1TU"),
            ("FREQ=WEEKLY;INTERVAL=1;WKST=MO;BYDAY=TH,MO,TH", "FREQ=WEEKLY;BYDAY=MO,TH"),
            ("  BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;FREQ=MONTHLY  ", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1"),
            ("FREQ=WEEKLY;INTERVAL=5;BYDAY=TH", "FREQ=WEEKLY;INTERVAL=5;BYDAY=TH"),
            ("FREQ=YEARLY;BYDAY=1MO;BYMONTH=10,3", "FREQ=YEARLY;BYMONTH=3,10;BYDAY=1MO"),
            ("FREQ=MONTHLY;BYDAY=+1TU", "FREQ=MONTHLY;BYDAY=1TU"),
        ]
        for (input, canonical) in cases {
            let rule = try RecurrenceRule(parsing: input)
            #expect(rule.description == canonical, "\(input)")
            #expect(try RecurrenceRule(parsing: rule.description) == rule)
        }
        #expect(F.rule("FREQ=WEEKLY;BYDAY=MO,TH") == F.rule("FREQ=WEEKLY;BYDAY=TH,MO;INTERVAL=1"))
    }

    @Test func codableAsText() throws {
        let rule = F.rule("FREQ=MONTHLY;INTERVAL=2;BYDAY=2WE")
        let json = try JSONEncoder().encode([rule])
        #expect(String(decoding: json, as: UTF8.self) == #"["FREQ=MONTHLY;INTERVAL=2;BYDAY=2WE"]"#)
        #expect(try JSONDecoder().decode([RecurrenceRule].self, from: json) == [rule])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([RecurrenceRule].self, from: Data(#"["FREQ=HOURLY"]"#.utf8))
        }
    }

    @Test func programmaticConstructionIsValidated() throws {
        let rule = try RecurrenceRule(frequency: .monthly, byDay: [.init(.tuesday, ordinal: 1)])
        #expect(rule == F.rule("FREQ=MONTHLY;BYDAY=1TU"))
        #expect(throws: RecurrenceRuleParseError(part: "INTERVAL", reason: .outOfRange(value: "0", allowed: "1...10000"))) {
            try RecurrenceRule(frequency: .daily, interval: 0)
        }
    }

    // MARK: One test per rejection class

    private func expectRejected(_ text: String, part: String, _ matches: (Reason) -> Bool,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = F.parseError(text) else {
            Issue.record("\(text) was accepted", sourceLocation: sourceLocation)
            return
        }
        #expect(error.part == part, "\(text): \(error)", sourceLocation: sourceLocation)
        #expect(matches(error.reason), "\(text): \(error)", sourceLocation: sourceLocation)
        #expect(error.description.contains(part), sourceLocation: sourceLocation)
    }

    @Test func rejectsEmpty() {
        expectRejected("", part: "RRULE") { $0 == .empty }
        expectRejected("RRULE:", part: "RRULE") { $0 == .empty }
    }

    @Test func rejectsMalformedParts() {
        expectRejected("FREQ=DAILY;COUNT", part: "COUNT") { $0 == .malformedPart }
        expectRejected("FREQ=DAILY;", part: "RRULE") { $0 == .malformedPart }
        expectRejected("FREQ=DAILY;;COUNT=2", part: "RRULE") { $0 == .malformedPart }
        expectRejected("FREQ=DAILY;=2", part: "=2") { $0 == .malformedPart }
        expectRejected("FREQ=", part: "FREQ") { $0 == .invalidValue("") }
    }

    @Test func rejectsUnknownParts() {
        expectRejected("FREQ=DAILY;FOO=1", part: "FOO") { $0 == .unknownPart }
        expectRejected("FREQ=DAILY;X-NAME=1", part: "X-NAME") { $0 == .unknownPart }
        expectRejected("FREQ=DAILY; COUNT=1", part: " COUNT") { $0 == .unknownPart }
    }

    @Test(arguments: ["BYHOUR=9", "BYMINUTE=30", "BYSECOND=0", "BYWEEKNO=20", "BYYEARDAY=100"])
    func rejectsUnsupportedParts(_ part: String) {
        let name = String(part.prefix { $0 != "=" })
        expectRejected("FREQ=YEARLY;" + part, part: name) { $0 == .notSupported(name) }
        #expect(F.parseError("FREQ=YEARLY;" + part)?.description.contains("not supported") == true)
    }

    @Test func rejectsUnsupportedFrequencies() {
        expectRejected("FREQ=HOURLY", part: "FREQ") { $0 == .notSupported("FREQ=HOURLY") }
        expectRejected("FREQ=MINUTELY", part: "FREQ") { $0 == .notSupported("FREQ=MINUTELY") }
        expectRejected("FREQ=SECONDLY", part: "FREQ") { $0 == .notSupported("FREQ=SECONDLY") }
        expectRejected("FREQ=FORTNIGHTLY", part: "FREQ") { $0 == .invalidValue("FORTNIGHTLY") }
    }

    @Test func rejectsDuplicates() {
        expectRejected("FREQ=DAILY;COUNT=2;COUNT=3", part: "COUNT") { $0 == .duplicatePart }
        expectRejected("FREQ=DAILY;FREQ=WEEKLY", part: "FREQ") { $0 == .duplicatePart }
        expectRejected("FREQ=MONTHLY;BYDAY=MO;byday=TU", part: "BYDAY") { $0 == .duplicatePart }
    }

    @Test func rejectsCountWithUntil() {
        expectRejected("FREQ=DAILY;COUNT=5;UNTIL=20270101", part: "UNTIL") { $0 == .conflictsWith("COUNT") }
        expectRejected("FREQ=DAILY;UNTIL=20270101;COUNT=5", part: "UNTIL") { $0 == .conflictsWith("COUNT") }
    }

    @Test func rejectsOrdinalsWithWeeklyOrDaily() {
        expectRejected("FREQ=WEEKLY;BYDAY=1MO", part: "BYDAY") { $0 == .ordinalNotAllowed(frequency: .weekly, value: "1MO") }
        expectRejected("FREQ=DAILY;BYDAY=MO,-1FR", part: "BYDAY") { $0 == .ordinalNotAllowed(frequency: .daily, value: "-1FR") }
    }

    @Test func rejectsZeroAndOutOfRangeValues() {
        func outOfRange(_ r: Reason) -> Bool { if case .outOfRange = r { true } else { false } }
        expectRejected("FREQ=DAILY;INTERVAL=0", part: "INTERVAL", outOfRange)
        expectRejected("FREQ=DAILY;INTERVAL=10001", part: "INTERVAL", outOfRange)
        expectRejected("FREQ=DAILY;COUNT=0", part: "COUNT", outOfRange)
        expectRejected("FREQ=YEARLY;BYMONTH=13", part: "BYMONTH", outOfRange)
        expectRejected("FREQ=YEARLY;BYMONTH=0", part: "BYMONTH", outOfRange)
        expectRejected("FREQ=MONTHLY;BYMONTHDAY=0", part: "BYMONTHDAY", outOfRange)
        expectRejected("FREQ=MONTHLY;BYMONTHDAY=32", part: "BYMONTHDAY", outOfRange)
        expectRejected("FREQ=MONTHLY;BYMONTHDAY=-32", part: "BYMONTHDAY", outOfRange)
        expectRejected("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0", part: "BYSETPOS", outOfRange)
        expectRejected("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=367", part: "BYSETPOS", outOfRange)
        expectRejected("FREQ=MONTHLY;BYDAY=0MO", part: "BYDAY", outOfRange)
        expectRejected("FREQ=MONTHLY;BYDAY=6MO", part: "BYDAY", outOfRange)
        expectRejected("FREQ=YEARLY;BYMONTH=3;BYDAY=-6MO", part: "BYDAY", outOfRange)
        expectRejected("FREQ=YEARLY;BYDAY=54MO", part: "BYDAY", outOfRange)
        #expect(F.parseError("FREQ=YEARLY;BYDAY=53MO") == nil)
        #expect(F.parseError("FREQ=MONTHLY;BYDAY=-5SU") == nil)
    }

    @Test func rejectsBySetPosWithoutAnotherByRule() {
        expectRejected("FREQ=MONTHLY;BYSETPOS=-1", part: "BYSETPOS") { $0 == .requiresAnotherByRule }
        expectRejected("FREQ=MONTHLY;BYSETPOS=1;WKST=SU;COUNT=3", part: "BYSETPOS") { $0 == .requiresAnotherByRule }
        #expect(F.parseError("FREQ=YEARLY;BYMONTH=3;BYSETPOS=1") == nil)
    }

    @Test func rejectsMissingFrequency() {
        expectRejected("COUNT=3", part: "FREQ") { $0 == .missing }
        expectRejected("BYDAY=MO;INTERVAL=2", part: "FREQ") { $0 == .missing }
    }

    @Test func rejectsMalformedNumbers() {
        func malformed(_ r: Reason) -> Bool { if case .malformedNumber = r { true } else { false } }
        expectRejected("FREQ=DAILY;INTERVAL=two", part: "INTERVAL", malformed)
        expectRejected("FREQ=DAILY;INTERVAL=-1", part: "INTERVAL", malformed)
        expectRejected("FREQ=DAILY;INTERVAL=+2", part: "INTERVAL", malformed)
        expectRejected("FREQ=DAILY;COUNT=1.5", part: "COUNT", malformed)
        expectRejected("FREQ=DAILY;COUNT=99999999999999999999", part: "COUNT", malformed)
        expectRejected("FREQ=MONTHLY;BYMONTHDAY=+-1", part: "BYMONTHDAY", malformed)
        expectRejected("FREQ=YEARLY;BYMONTH=1,x", part: "BYMONTH", malformed)
        expectRejected("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=--1", part: "BYSETPOS", malformed)
    }

    @Test func rejectsInvalidValues() {
        func invalid(_ r: Reason) -> Bool { if case .invalidValue = r { true } else { false } }
        expectRejected("FREQ=WEEKLY;WKST=XX", part: "WKST", invalid)
        expectRejected("FREQ=WEEKLY;BYDAY=MO,,TU", part: "BYDAY", invalid)
        expectRejected("FREQ=WEEKLY;BYDAY=MON", part: "BYDAY", invalid)
        expectRejected("FREQ=MONTHLY;BYDAY=1.5TU", part: "BYDAY", invalid)
        expectRejected("FREQ=MONTHLY;BYDAY=100TU", part: "BYDAY", invalid)
        expectRejected("FREQ=YEARLY;BYMONTH=1,", part: "BYMONTH", invalid)
        expectRejected("FREQ=DAILY;UNTIL=20270230", part: "UNTIL", invalid)
        expectRejected("FREQ=DAILY;UNTIL=2027-01-01", part: "UNTIL", invalid)
        expectRejected("FREQ=DAILY;UNTIL=20270101T250000", part: "UNTIL", invalid)
        expectRejected("FREQ=DAILY;UNTIL=20270101T120000X", part: "UNTIL", invalid)
    }

    @Test func rejectsByMonthDayWithWeekly() {
        expectRejected("FREQ=WEEKLY;BYMONTHDAY=1", part: "BYMONTHDAY") { $0 == .notAllowedWithFrequency(.weekly) }
    }

    @Test func errorDescriptionsNameThePart() {
        #expect(F.parseError("FREQ=DAILY;BYHOUR=9")?.description == "RRULE BYHOUR: BYHOUR is not supported")
        #expect(F.parseError("FREQ=DAILY;COUNT=x")?.description == "RRULE COUNT: \"X\" is not a valid integer")
        #expect(F.parseError("FREQ=DAILY;COUNT=2;UNTIL=20270101")?.description == "RRULE UNTIL: must not be combined with COUNT")
    }
}
