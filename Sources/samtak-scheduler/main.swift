// samtak-scheduler: meetings from recurrence rules, cases onto agendas, agendas published.
// `samtak-scheduler` (or `serve`) runs the service; `preview` checks a recurrence rule.
import ArgumentParser
import SamtakScheduler

@main
struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "samtak-scheduler", abstract: "Samtak's scheduler worker.",
        subcommands: [Serve.self, Preview.self], defaultSubcommand: Serve.self
    )
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the scheduler (configured by SAMTAK_* environment variables).")
    func run() async throws { try await SchedulerService.run() }
}

struct Preview: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a rule's occurrences, one ISO 8601 line each, Europe/Oslo time.")
    @Option(help: "RFC 5545 RRULE, e.g. FREQ=MONTHLY;BYDAY=1TU") var rrule: String
    @Option(help: "First occurrence, Europe/Oslo local time YYYY-MM-DDTHH:MM") var start: String
    @Option(help: "Last date, YYYY-MM-DD") var until: String
    @Option(help: "Public holidays: keep, skip or move") var holidays = "keep"

    func run() throws {
        let status = RecurrencePreview.main(rrule: rrule, start: start, until: until, holidays: holidays)
        if status != 0 { throw ExitCode(status) }
    }
}
