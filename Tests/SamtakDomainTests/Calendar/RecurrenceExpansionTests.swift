import SamtakDomain
import Testing

/// One row of the two-year expansion table.
struct ExpansionCase: Sendable, CustomTestStringConvertible {
    let name: String
    let rule: String
    let start: String
    var exdates: [String] = []
    var from = "2027-01-01"
    var through = "2028-12-31"
    let expected: [String]

    var testDescription: String { "\(name): \(rule)" }
}

@Suite("RRULE expansion")
struct RecurrenceExpansionTests {
    typealias F = CalendarFixture

    /// Every Wednesday of 2027–2028, generated independently by stepping seven days.
    static let everyWednesday: [String] = stride(from: F.date("2027-01-06"), through: F.date("2028-12-31"), by: 7).map(\.description)

    static let table: [ExpansionCase] = [
        ExpansionCase(
            name: "monthly, first Tuesday", rule: "FREQ=MONTHLY;BYDAY=1TU", start: "2027-01-01T14:00",
            expected: [
                "2027-01-05", "2027-02-02", "2027-03-02", "2027-04-06", "2027-05-04", "2027-06-01", "2027-07-06", "2027-08-03",
                "2027-09-07", "2027-10-05", "2027-11-02", "2027-12-07", "2028-01-04", "2028-02-01", "2028-03-07", "2028-04-04",
                "2028-05-02", "2028-06-06", "2028-07-04", "2028-08-01", "2028-09-05", "2028-10-03", "2028-11-07", "2028-12-05",
            ]),
        ExpansionCase(
            name: "monthly, last Friday", rule: "FREQ=MONTHLY;BYDAY=-1FR", start: "2027-01-01T09:00",
            expected: [
                "2027-01-29", "2027-02-26", "2027-03-26", "2027-04-30", "2027-05-28", "2027-06-25", "2027-07-30", "2027-08-27",
                "2027-09-24", "2027-10-29", "2027-11-26", "2027-12-31", "2028-01-28", "2028-02-25", "2028-03-31", "2028-04-28",
                "2028-05-26", "2028-06-30", "2028-07-28", "2028-08-25", "2028-09-29", "2028-10-27", "2028-11-24", "2028-12-29",
            ]),
        ExpansionCase(
            name: "weekly on Wednesday", rule: "FREQ=WEEKLY;BYDAY=WE", start: "2027-01-01T08:00", expected: everyWednesday),
        ExpansionCase(
            name: "weekly, DTSTART supplies the weekday", rule: "FREQ=WEEKLY", start: "2027-01-06T08:00",
            expected: everyWednesday),
        ExpansionCase(
            name: "every fifth week on Thursday", rule: "FREQ=WEEKLY;INTERVAL=5;BYDAY=TH", start: "2027-01-07T10:00",
            expected: [
                "2027-01-07", "2027-02-11", "2027-03-18", "2027-04-22", "2027-05-27", "2027-07-01", "2027-08-05", "2027-09-09",
                "2027-10-14", "2027-11-18", "2027-12-23", "2028-01-27", "2028-03-02", "2028-04-06", "2028-05-11", "2028-06-15",
                "2028-07-20", "2028-08-24", "2028-09-28", "2028-11-02", "2028-12-07",
            ]),
        ExpansionCase(
            name: "every other month, second Wednesday", rule: "FREQ=MONTHLY;INTERVAL=2;BYDAY=2WE", start: "2027-01-13T12:00",
            expected: [
                "2027-01-13", "2027-03-10", "2027-05-12", "2027-07-14", "2027-09-08", "2027-11-10",
                "2028-01-12", "2028-03-08", "2028-05-10", "2028-07-12", "2028-09-13", "2028-11-08",
            ]),
        ExpansionCase(
            name: "twice a month, first and third Thursday", rule: "FREQ=MONTHLY;BYDAY=1TH,3TH", start: "2027-01-01T08:30",
            expected: [
                "2027-01-07", "2027-01-21", "2027-02-04", "2027-02-18", "2027-03-04", "2027-03-18", "2027-04-01", "2027-04-15",
                "2027-05-06", "2027-05-20", "2027-06-03", "2027-06-17", "2027-07-01", "2027-07-15", "2027-08-05", "2027-08-19",
                "2027-09-02", "2027-09-16", "2027-10-07", "2027-10-21", "2027-11-04", "2027-11-18", "2027-12-02", "2027-12-16",
                "2028-01-06", "2028-01-20", "2028-02-03", "2028-02-17", "2028-03-02", "2028-03-16", "2028-04-06", "2028-04-20",
                "2028-05-04", "2028-05-18", "2028-06-01", "2028-06-15", "2028-07-06", "2028-07-20", "2028-08-03", "2028-08-17",
                "2028-09-07", "2028-09-21", "2028-10-05", "2028-10-19", "2028-11-02", "2028-11-16", "2028-12-07", "2028-12-21",
            ]),
        ExpansionCase(
            name: "twice a year, first Monday of March and October", rule: "FREQ=YEARLY;BYMONTH=3,10;BYDAY=1MO",
            start: "2027-01-01T13:00",
            expected: ["2027-03-01", "2027-10-04", "2028-03-06", "2028-10-02"]),
        ExpansionCase(
            name: "last day of the month", rule: "FREQ=MONTHLY;BYMONTHDAY=-1", start: "2027-01-01T15:00",
            expected: [
                "2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31", "2027-06-30", "2027-07-31", "2027-08-31",
                "2027-09-30", "2027-10-31", "2027-11-30", "2027-12-31", "2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30",
                "2028-05-31", "2028-06-30", "2028-07-31", "2028-08-31", "2028-09-30", "2028-10-31", "2028-11-30", "2028-12-31",
            ]),
        ExpansionCase(
            name: "last weekday of the month", rule: "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", start: "2027-01-01T11:00",
            expected: [
                "2027-01-29", "2027-02-26", "2027-03-31", "2027-04-30", "2027-05-31", "2027-06-30", "2027-07-30", "2027-08-31",
                "2027-09-30", "2027-10-29", "2027-11-30", "2027-12-31", "2028-01-31", "2028-02-29", "2028-03-31", "2028-04-28",
                "2028-05-31", "2028-06-30", "2028-07-31", "2028-08-31", "2028-09-29", "2028-10-31", "2028-11-30", "2028-12-29",
            ]),
        ExpansionCase(
            name: "COUNT", rule: "FREQ=MONTHLY;BYDAY=1TU;COUNT=5", start: "2027-01-01T14:00",
            expected: ["2027-01-05", "2027-02-02", "2027-03-02", "2027-04-06", "2027-05-04"]),
        ExpansionCase(
            name: "COUNT includes a matching DTSTART", rule: "FREQ=WEEKLY;BYDAY=MO,FR;COUNT=3", start: "2027-01-01T14:00",
            expected: ["2027-01-01", "2027-01-04", "2027-01-08"]),
        ExpansionCase(
            name: "COUNT starts at DTSTART even when the window starts later", rule: "FREQ=MONTHLY;BYDAY=1TU;COUNT=5",
            start: "2026-11-01T14:00", from: "2027-01-01",
            expected: ["2027-01-05", "2027-02-02", "2027-03-02"]),
        ExpansionCase(
            name: "UNTIL date is inclusive", rule: "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270301", start: "2027-01-01T09:00",
            expected: [
                "2027-01-04", "2027-01-11", "2027-01-18", "2027-01-25", "2027-02-01", "2027-02-08", "2027-02-15", "2027-02-22",
                "2027-03-01",
            ]),
        ExpansionCase(
            name: "UNTIL local date-time before the meeting time", rule: "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270301T080000",
            start: "2027-01-01T09:00",
            expected: [
                "2027-01-04", "2027-01-11", "2027-01-18", "2027-01-25", "2027-02-01", "2027-02-08", "2027-02-15", "2027-02-22",
            ]),
        ExpansionCase(
            // 09:00 Oslo on 1 March is 08:00 UTC: included when UNTIL is 08:00Z, not when 07:59:59Z.
            name: "UNTIL in UTC", rule: "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270301T080000Z", start: "2027-02-15T09:00",
            expected: ["2027-02-15", "2027-02-22", "2027-03-01"]),
        ExpansionCase(
            name: "UNTIL in UTC, one second short", rule: "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270301T075959Z", start: "2027-02-15T09:00",
            expected: ["2027-02-15", "2027-02-22"]),
        ExpansionCase(
            name: "EXDATE", rule: "FREQ=MONTHLY;BYDAY=1TU;COUNT=6", start: "2027-01-01T14:00",
            exdates: ["2027-02-02", "2027-04-06", "2027-09-07"],
            expected: ["2027-01-05", "2027-03-02", "2027-05-04", "2027-06-01"]),
        ExpansionCase(
            name: "yearly on 29 February only in leap years", rule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", start: "2027-01-01T10:00",
            through: "2036-12-31",
            expected: ["2028-02-29", "2032-02-29", "2036-02-29"]),
        ExpansionCase(
            name: "yearly from a 29 February DTSTART", rule: "FREQ=YEARLY", start: "2024-02-29T10:00",
            from: "2024-01-01", through: "2032-12-31",
            expected: ["2024-02-29", "2028-02-29", "2032-02-29"]),
        ExpansionCase(
            name: "monthly on the 31st skips short months", rule: "FREQ=MONTHLY;BYMONTHDAY=31", start: "2027-01-01T09:00",
            expected: [
                "2027-01-31", "2027-03-31", "2027-05-31", "2027-07-31", "2027-08-31", "2027-10-31", "2027-12-31",
                "2028-01-31", "2028-03-31", "2028-05-31", "2028-07-31", "2028-08-31", "2028-10-31", "2028-12-31",
            ]),
        ExpansionCase(
            name: "monthly from a 31st DTSTART", rule: "FREQ=MONTHLY;COUNT=4", start: "2027-01-31T09:00",
            expected: ["2027-01-31", "2027-03-31", "2027-05-31", "2027-07-31"]),
        ExpansionCase(
            name: "every other week from a window far from DTSTART", rule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", start: "2020-01-07T09:00",
            from: "2027-01-01", through: "2027-02-28",
            expected: ["2027-01-12", "2027-01-26", "2027-02-09", "2027-02-23"]),
        ExpansionCase(
            name: "daily on weekdays in one week", rule: "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", start: "2027-01-01T07:30",
            through: "2027-01-08",
            expected: ["2027-01-01", "2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08"]),
        ExpansionCase(
            name: "nothing before DTSTART", rule: "FREQ=MONTHLY;BYDAY=1TU", start: "2028-06-01T14:00",
            expected: ["2028-06-06", "2028-07-04", "2028-08-01", "2028-09-05", "2028-10-03", "2028-11-07", "2028-12-05"]),
    ]

    @Test(arguments: table)
    func twoYearTable(_ c: ExpansionCase) {
        let series = RecurrenceSeries(
            rule: F.rule(c.rule), start: F.dateTime(c.start), exceptionDates: Set(c.exdates.map(F.date)))
        let got = series.occurrences(from: F.date(c.from), through: F.date(c.through))
        #expect(got.map(\.local.date.description) == c.expected)
        #expect(got.allSatisfy { !$0.moved && $0.local.time == F.dateTime(c.start).time })
        if c.exdates.isEmpty {
            // The bare rule expansion agrees with the series.
            let dates = F.rule(c.rule).dates(start: F.dateTime(c.start), from: F.date(c.from), through: F.date(c.through))
            #expect(dates.map(\.description) == c.expected)
        }
    }

    @Test func windowsComposeWithoutGapsOrDuplicates() {
        // Expanding month by month gives the same as one two-year window.
        for c in Self.table {
            let rule = F.rule(c.rule)
            let start = F.dateTime(c.start)
            var pieces: [LocalDate] = []
            var from = F.date(c.from)
            let end = F.date(c.through)
            while from <= end {
                let to = min(from.adding(months: 1).adding(days: -1), end)
                pieces += rule.dates(start: start, from: from, through: to)
                from = to.adding(days: 1)
            }
            #expect(pieces == rule.dates(start: start, from: F.date(c.from), through: end), "\(c.name)")
        }
    }

    @Test func firstDatesAndMatches() {
        let rule = F.rule("FREQ=MONTHLY;BYDAY=1TU")
        let start = F.dateTime("2027-01-01T14:00")
        #expect(rule.firstDates(start: start, limit: 3).map(\.description) == ["2027-01-05", "2027-02-02", "2027-03-02"])
        #expect(F.rule("FREQ=DAILY;COUNT=2").firstDates(start: start, limit: 10).count == 2)
        #expect(F.rule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30").firstDates(start: start, limit: 1, horizonYears: 10).isEmpty)
        #expect(rule.matches(F.date("2027-03-02"), start: start))
        #expect(!rule.matches(F.date("2027-03-09"), start: start))
    }

    // MARK: RFC 5545 §3.8.5.3 examples within the supported subset (DTSTART read as Oslo time)

    struct RFCExample: Sendable, CustomTestStringConvertible {
        let title: String
        let rule: String
        let start: String
        let through: String
        let expected: [String]
        var testDescription: String { title }
    }

    static let rfcExamples: [RFCExample] = [
        RFCExample(
            title: "Daily for 10 occurrences", rule: "RRULE:FREQ=DAILY;COUNT=10", start: "1997-09-02T09:00", through: "1997-12-31",
            expected: ["1997-09-02", "1997-09-03", "1997-09-04", "1997-09-05", "1997-09-06", "1997-09-07", "1997-09-08",
                       "1997-09-09", "1997-09-10", "1997-09-11"]),
        RFCExample(
            title: "Every 10 days, 5 occurrences", rule: "RRULE:FREQ=DAILY;INTERVAL=10;COUNT=5", start: "1997-09-02T09:00",
            through: "1998-12-31",
            expected: ["1997-09-02", "1997-09-12", "1997-09-22", "1997-10-02", "1997-10-12"]),
        RFCExample(
            title: "Every other week on Tuesday and Thursday, 8 occurrences",
            rule: "RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH", start: "1997-09-02T09:00", through: "1998-12-31",
            expected: ["1997-09-02", "1997-09-04", "1997-09-16", "1997-09-18", "1997-09-30", "1997-10-02", "1997-10-14",
                       "1997-10-16"]),
        RFCExample(
            title: "Every other week on Monday, Wednesday and Friday until 24 December 1997",
            rule: "RRULE:FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR", start: "1997-09-01T09:00",
            through: "1998-12-31",
            expected: ["1997-09-01", "1997-09-03", "1997-09-05", "1997-09-15", "1997-09-17", "1997-09-19", "1997-09-29",
                       "1997-10-01", "1997-10-03", "1997-10-13", "1997-10-15", "1997-10-17", "1997-10-27", "1997-10-29",
                       "1997-10-31", "1997-11-10", "1997-11-12", "1997-11-14", "1997-11-24", "1997-11-26", "1997-11-28",
                       "1997-12-08", "1997-12-10", "1997-12-12", "1997-12-22"]),
        RFCExample(
            title: "Monthly on the first Friday for 10 occurrences", rule: "RRULE:FREQ=MONTHLY;COUNT=10;BYDAY=1FR",
            start: "1997-09-05T09:00", through: "1998-12-31",
            expected: ["1997-09-05", "1997-10-03", "1997-11-07", "1997-12-05", "1998-01-02", "1998-02-06", "1998-03-06",
                       "1998-04-03", "1998-05-01", "1998-06-05"]),
        RFCExample(
            title: "Every other month on the first and last Sunday, 10 occurrences",
            rule: "RRULE:FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU", start: "1997-09-07T09:00", through: "1998-12-31",
            expected: ["1997-09-07", "1997-09-28", "1997-11-02", "1997-11-30", "1998-01-04", "1998-01-25", "1998-03-01",
                       "1998-03-29", "1998-05-03", "1998-05-31"]),
        RFCExample(
            title: "Monthly on the second-to-last Monday for 6 months", rule: "RRULE:FREQ=MONTHLY;COUNT=6;BYDAY=-2MO",
            start: "1997-09-22T09:00", through: "1998-12-31",
            expected: ["1997-09-22", "1997-10-20", "1997-11-17", "1997-12-22", "1998-01-19", "1998-02-16"]),
        RFCExample(
            title: "Monthly on the third-to-the-last day", rule: "RRULE:FREQ=MONTHLY;BYMONTHDAY=-3", start: "1997-09-28T09:00",
            through: "1998-02-28",
            expected: ["1997-09-28", "1997-10-29", "1997-11-28", "1997-12-29", "1998-01-29", "1998-02-26"]),
        RFCExample(
            title: "Monthly on the 2nd and 15th, 10 occurrences", rule: "RRULE:FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15",
            start: "1997-09-02T09:00", through: "1998-12-31",
            expected: ["1997-09-02", "1997-09-15", "1997-10-02", "1997-10-15", "1997-11-02", "1997-11-15", "1997-12-02",
                       "1997-12-15", "1998-01-02", "1998-01-15"]),
        RFCExample(
            title: "Monthly on the first and last day, 10 occurrences", rule: "RRULE:FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1",
            start: "1997-09-30T09:00", through: "1998-12-31",
            expected: ["1997-09-30", "1997-10-01", "1997-10-31", "1997-11-01", "1997-11-30", "1997-12-01", "1997-12-31",
                       "1998-01-01", "1998-01-31", "1998-02-01"]),
        RFCExample(
            title: "Every 18 months on the 10th to 15th, 10 occurrences",
            rule: "RRULE:FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15", start: "1997-09-10T09:00",
            through: "2000-12-31",
            expected: ["1997-09-10", "1997-09-11", "1997-09-12", "1997-09-13", "1997-09-14", "1997-09-15", "1999-03-10",
                       "1999-03-11", "1999-03-12", "1999-03-13"]),
        RFCExample(
            title: "Every Tuesday, every other month", rule: "RRULE:FREQ=MONTHLY;INTERVAL=2;BYDAY=TU", start: "1997-09-02T09:00",
            through: "1998-03-31",
            expected: ["1997-09-02", "1997-09-09", "1997-09-16", "1997-09-23", "1997-09-30", "1997-11-04", "1997-11-11",
                       "1997-11-18", "1997-11-25", "1998-01-06", "1998-01-13", "1998-01-20", "1998-01-27", "1998-03-03",
                       "1998-03-10", "1998-03-17", "1998-03-24", "1998-03-31"]),
        RFCExample(
            title: "Yearly in June and July, 10 occurrences", rule: "RRULE:FREQ=YEARLY;COUNT=10;BYMONTH=6,7",
            start: "1997-06-10T09:00", through: "2005-12-31",
            expected: ["1997-06-10", "1997-07-10", "1998-06-10", "1998-07-10", "1999-06-10", "1999-07-10", "2000-06-10",
                       "2000-07-10", "2001-06-10", "2001-07-10"]),
        RFCExample(
            title: "Every other year in January, February and March, 10 occurrences",
            rule: "RRULE:FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3", start: "1997-03-10T09:00", through: "2005-12-31",
            expected: ["1997-03-10", "1999-01-10", "1999-02-10", "1999-03-10", "2001-01-10", "2001-02-10", "2001-03-10",
                       "2003-01-10", "2003-02-10", "2003-03-10"]),
        RFCExample(
            title: "Every 20th Monday of the year", rule: "RRULE:FREQ=YEARLY;BYDAY=20MO", start: "1997-05-19T09:00",
            through: "1999-12-31",
            expected: ["1997-05-19", "1998-05-18", "1999-05-17"]),
        RFCExample(
            title: "Every Thursday in March", rule: "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=TH", start: "1997-03-13T09:00",
            through: "1999-12-31",
            expected: ["1997-03-13", "1997-03-20", "1997-03-27", "1998-03-05", "1998-03-12", "1998-03-19", "1998-03-26",
                       "1999-03-04", "1999-03-11", "1999-03-18", "1999-03-25"]),
        RFCExample(
            title: "Every Friday the 13th", rule: "RRULE:FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13", start: "1997-09-02T09:00",
            through: "2000-12-31",
            expected: ["1998-02-13", "1998-03-13", "1998-11-13", "1999-08-13", "2000-10-13"]),
        RFCExample(
            title: "The first Saturday that follows the first Sunday of the month",
            rule: "RRULE:FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13", start: "1997-09-13T09:00", through: "1998-06-30",
            expected: ["1997-09-13", "1997-10-11", "1997-11-08", "1997-12-13", "1998-01-10", "1998-02-07", "1998-03-07",
                       "1998-04-11", "1998-05-09", "1998-06-13"]),
        RFCExample(
            title: "Every 4 years, the first Tuesday after a Monday in November",
            rule: "RRULE:FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8", start: "1996-11-05T09:00",
            through: "2004-12-31",
            expected: ["1996-11-05", "2000-11-07", "2004-11-02"]),
        RFCExample(
            title: "The third instance of Tuesday, Wednesday or Thursday, for the next 3 months",
            rule: "RRULE:FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3", start: "1997-09-04T09:00", through: "1998-12-31",
            expected: ["1997-09-04", "1997-10-07", "1997-11-06"]),
        RFCExample(
            title: "The second-to-last weekday of the month", rule: "RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2",
            start: "1997-09-29T09:00", through: "1998-03-31",
            expected: ["1997-09-29", "1997-10-30", "1997-11-27", "1997-12-30", "1998-01-29", "1998-02-26", "1998-03-30"]),
        RFCExample(
            title: "WKST matters: WKST=MO", rule: "RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO",
            start: "1997-08-05T09:00", through: "1997-12-31",
            expected: ["1997-08-05", "1997-08-10", "1997-08-19", "1997-08-24"]),
        RFCExample(
            title: "WKST matters: WKST=SU", rule: "RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU",
            start: "1997-08-05T09:00", through: "1997-12-31",
            expected: ["1997-08-05", "1997-08-17", "1997-08-19", "1997-08-31"]),
        RFCExample(
            title: "Invalid dates are skipped, not clamped", rule: "RRULE:FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5",
            start: "2007-01-15T09:00", through: "2007-12-31",
            expected: ["2007-01-15", "2007-01-30", "2007-02-15", "2007-03-15", "2007-03-30"]),
        RFCExample(
            title: "Every day in January, for 3 years",
            rule: "RRULE:FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA", start: "1998-01-01T09:00",
            through: "2001-12-31",
            expected: (1998...2000).flatMap { year in (1...31).map { "\(year)-01-" + ($0 < 10 ? "0\($0)" : "\($0)") } }),
    ]

    @Test(arguments: rfcExamples)
    func rfc5545Examples(_ example: RFCExample) {
        let rule = F.rule(example.rule)
        let got = rule.dates(start: F.dateTime(example.start), from: F.date(String(example.start.prefix(10))), through: F.date(example.through))
        #expect(got.map(\.description) == example.expected)
    }
}
