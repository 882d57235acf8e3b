import Foundation
import SamtakTestSupport
import SamtakDomain
import SamtakNotifier

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Fixtures

enum Fixtures {
    static func oslo(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int) -> Date {
        OsloTime.instant(for: LocalDateTime(year: year, month: month, day: day, hour: hour, minute: minute)!)
    }

    static let meetingID = UUID(uuidString: "6F1C2A34-93B1-4C1E-8E0D-2B7A5C9D1E40")!

    /// Tuesday 2 March 2027, 14.00–15.30 Oslo time (CET).
    static let meeting = MeetingSummary(
        arenaName: "Ressursteam Nordby skole",
        title: "Ressursteam Nordby skole",
        start: oslo(2027, 3, 2, 14, 0),
        end: oslo(2027, 3, 2, 15, 30),
        location: "Møterom 2, Nordby skole",
        ownerName: "Åse Bråten",
        ownerEmail: "ase.braten@nordby.kommune.no",
        meetingID: meetingID,
        sequence: 2
    )

    static let recipient = Recipient(name: "Kjersti Ødegård", email: "kjersti.odegard@nordby.kommune.no")
    static let sender = Recipient(name: "Samtak – Nordby kommune", email: "samtak@nordby.kommune.no")
    static let readLink = "https://samtak.nordby.kommune.no/moter/6f1c2a34/saksliste"

    static let participants = [
        ParticipantLine(name: "Kari Nordmann", role: "helsesykepleier", unit: "Helsestasjon Nordby"),
        ParticipantLine(name: "Per Hansen", role: "PPT-rådgiver", unit: "PPT Nordby"),
        ParticipantLine(name: "Åse Bråten", role: "rektor", unit: "Nordby skole"),
    ]

    static let agendaItems = [
        AgendaItemLine(position: 1, title: "Oppfølging av tiltak for elev 7B", presenter: "Per Hansen",
                       start: oslo(2027, 3, 2, 14, 0), minutes: 20),
        AgendaItemLine(position: 2, title: "elev 5. trinn, anonymisert", presenter: nil,
                       start: oslo(2027, 3, 2, 14, 20), minutes: 30),
        AgendaItemLine(position: 3, title: "Kompetanseheving om skolevegring", presenter: "Kari Nordmann",
                       start: oslo(2027, 3, 2, 14, 50), minutes: 40),
    ]

    static let minutesItems = [
        MinutesItemLine(
            position: 1, title: "Oppfølging av tiltak for elev 7B",
            discussion: "Tiltakene har virket godt.\nFraværet er redusert siden januar.\n\nForeldrene er fornøyde.",
            decision: "Tiltakene videreføres ut skoleåret.",
            followUps: [
                FollowUpLine(what: "Sende oppdatert plan til foreldrene", who: "Per Hansen", due: LocalDate(year: 2027, month: 3, day: 12)),
                FollowUpLine(what: "Avtale samtale med eleven", who: "Kari Nordmann", due: nil),
            ]),
        MinutesItemLine(position: 2, title: "elev 5. trinn, anonymisert", discussion: "Drøftet anonymt.",
                        decision: "Anbefaler henvisning til PPT.", followUps: []),
    ]

    static func request(_ content: DocumentContent, mode: DeliveryModeChoice = .content,
                        meeting: MeetingSummary = Fixtures.meeting) -> DocumentRequest {
        DocumentRequest(meeting: meeting, content: content, recipient: recipient, deliveryMode: mode, readLink: readLink)
    }

    static var agenda: DocumentContent { .agenda(participants: participants, items: agendaItems) }
    static var minutes: DocumentContent {
        .minutes(attendance: ["Kari Nordmann", "Per Hansen", "Åse Bråten"], absent: ["Ola Berg"],
                 items: minutesItems, nextMeeting: oslo(2027, 3, 16, 14, 0))
    }
    static var cancellation: DocumentContent { .cancellation(reason: "Møteleder er syk; nytt møte kalles inn.") }
}

// MARK: - Python tools (the venv made by Deploy/bootstrap)

struct ToolFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum PythonTools {
    /// The repository root, found from this file's real location (the scratch package links it).
    static let repositoryRoot: URL = {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent()  // SamtakNotifierTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()
    }()

    static var sinkScript: String {
        repositoryRoot.appendingPathComponent("Tests/tools/smtp_sink.py").path
    }

    /// `SAMTAK_PYTHON`, else `$SAMTAK_HOME/venv/bin/python`, else `<repo>/.local/venv/bin/python`.
    static var pythonPath: String {
        let env = ProcessInfo.processInfo.environment
        if let explicit = env["SAMTAK_PYTHON"], !explicit.isEmpty { return explicit }
        if let home = env["SAMTAK_HOME"], !home.isEmpty { return home + "/venv/bin/python" }
        return repositoryRoot.appendingPathComponent(".local/venv/bin/python").path
    }

    private static let checked: Result<String, ToolFailure> = {
        let path = pythonPath
        guard FileManager.default.isExecutableFile(atPath: path) else {
            return .failure(ToolFailure(
                "The Python test venv is missing: no executable at \(path). Run Deploy/bootstrap to create it "
                    + "(it installs aiosmtpd and icalendar), or set SAMTAK_PYTHON to a python that has them."))
        }
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-c", "import aiosmtpd, icalendar"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            return .failure(ToolFailure("The Python test venv at \(path) cannot be run: \(error). Run Deploy/bootstrap."))
        }
        guard process.terminationStatus == 0 else {
            return .failure(ToolFailure(
                "The Python at \(path) lacks aiosmtpd or icalendar. Run Deploy/bootstrap (Deploy/requirements.txt)."))
        }
        return .success(path)
    }()

    /// The venv's python; throws (so the test fails, never skips) with a clear message if missing.
    static func python() throws -> String { try checked.get() }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the venv's python with a script and arguments, without blocking a cooperative thread.
    static func run(script: String, arguments: [String] = []) async throws -> Output {
        try await runProcess(executable: python(), arguments: ["-c", script] + arguments)
    }

    /// Runs a Python script that prints one JSON object, and decodes it.
    static func json(script: String, arguments: [String] = []) async throws -> [String: Any] {
        let output = try await run(script: script, arguments: arguments)
        guard output.status == 0 else {
            throw ToolFailure("python exited with \(output.status): \(output.stderr)")
        }
        guard let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any] else {
            throw ToolFailure("python printed no JSON object: \(output.stdout)")
        }
        return object
    }

    static func runProcess(executable: String, arguments: [String]) async throws -> Output {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("samtak-py-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        defer {
            try? out.close()
            try? err.close()
        }
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return Output(
            status: status,
            stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// Writes text to a fresh temporary file and returns its path.
    static func temporaryFile(_ text: String, suffix: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("samtak-\(UUID().uuidString)\(suffix)")
        try Data(text.utf8).write(to: url)
        return url.path
    }
}

// MARK: - SMTP sink (Tests/tools/smtp_sink.py as a child process)

final class SMTPSinkProcess: @unchecked Sendable {
    let port: Int
    let directory: URL
    private let process: ChildProcess
    private let stderrURL: URL

    private init(port: Int, directory: URL, process: ChildProcess, stderrURL: URL) {
        self.port = port
        self.directory = directory
        self.process = process
        self.stderrURL = stderrURL
    }

    var url: String { "smtp://127.0.0.1:\(port)" }

    var configuration: SMTPConfiguration {
        SMTPConfiguration(url: url, startTLS: .ifAvailable, timeout: .seconds(15), heloDomain: "samtak.test")
    }

    /// Starts the sink on a free loopback port (or `port`) and waits for its "ready" line.
    /// `delayMs`: the sink waits that long after storing a message before answering 250.
    static func start(rejecting: [String] = [], failFirst: Int = 0, delayMs: Int = 0, port fixedPort: Int? = nil) async throws -> SMTPSinkProcess {
        let python = try PythonTools.python()
        var lastError = "no attempt"
        for _ in 0..<5 {
            let port = try fixedPort ?? freeLoopbackPort()
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("samtak-sink-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let stderrURL = directory.appendingPathComponent("sink.stderr")
            _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
            let process = ChildProcess()
            process.executableURL = URL(fileURLWithPath: python)
            var arguments = [PythonTools.sinkScript, "--port", String(port), "--dir", directory.appendingPathComponent("mail").path,
                             "--exit-with-parent"]
            if !rejecting.isEmpty { arguments += ["--reject-recipient"] + rejecting }
            if failFirst > 0 { arguments += ["--fail-first", String(failFirst)] }
            if delayMs > 0 { arguments += ["--delay-ms", String(delayMs)] }
            process.arguments = arguments
            let stdout = Pipe()
            process.standardOutput = stdout
            process.standardError = try FileHandle(forWritingTo: stderrURL)
            process.standardInput = FileHandle.nullDevice
            let lines = LineCollector()
            try process.run()
            process.readToEnd(of: stdout) { lines.append($0) }
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                if lines.contains("ready") {
                    return SMTPSinkProcess(port: port, directory: directory.appendingPathComponent("mail"), process: process, stderrURL: stderrURL)
                }
                if !process.isRunning { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
            lastError = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "(no stderr)"
        }
        throw ToolFailure("the SMTP sink did not print \"ready\": \(lastError)")
    }

    /// Stored messages (*.eml), oldest first.
    func messages() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".eml") }.sorted().map { directory.appendingPathComponent($0) }
    }

    /// Waits until at least `count` messages are stored (the sink stores before it answers 250,
    /// so this normally returns at once).
    func waitForMessages(_ count: Int, timeout: Duration = .seconds(10)) async throws -> [URL] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let found = messages()
            if found.count >= count || ContinuousClock.now >= deadline { return found }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            // Give it five seconds to stop on SIGTERM, then kill it.
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory.deletingLastPathComponent())
    }

    deinit { stop() }

    /// A port nothing listens on right now (bound to 0, read back, closed).
    static func freeLoopbackPort() throws -> Int {
        let reservation = try LoopbackPortReservation()
        defer { reservation.release() }
        return reservation.port
    }
}

/// A loopback port held by a bound socket that does not listen: a connection to it is
/// refused at once (as to a relay that is down), and no other process of a parallel test can
/// take it (a closed, merely "free" port can be handed to another test's server meanwhile;
/// sends to it then hang until their timeout instead of being refused). `release()` frees it
/// for the server that is to come up on it.
final class LoopbackPortReservation: @unchecked Sendable {
    let port: Int
    private var fd: Int32

    init() throws {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw ToolFailure("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { close(fd); throw ToolFailure("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { close(fd); throw ToolFailure("getsockname() failed") }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func release() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    deinit { release() }
}

/// Collects a child's stdout lines from the pipe's handler thread.
final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var buffer = Data()

    func append(_ data: Data) {
        lock.lock()
        buffer.append(data)
        lock.unlock()
    }

    func contains(_ line: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: buffer, as: UTF8.self).split(whereSeparator: \.isNewline).contains { $0 == line }
    }
}

// MARK: - Python scripts

enum PythonScripts {
    /// Parses an RFC 5322 message file with the email package (policy=default) and prints JSON.
    static let parseMail = #"""
import json, sys
from email import policy
from email.parser import BytesParser

with open(sys.argv[1], "rb") as f:
    raw = f.read()
msg = BytesParser(policy=policy.default).parsebytes(raw)

def addr(header):
    value = msg[header]
    a = value.addresses[0]
    return {"name": a.display_name, "address": a.addr_spec}

parts = []
defects = [str(d) for d in msg.defects]
for part in msg.walk():
    defects += [str(d) for d in part.defects]
    info = {
        "type": part.get_content_type(),
        "method": part.get_param("method"),
        "charset": part.get_content_charset(),
        "filename": part.get_filename(),
        "disposition": part.get_content_disposition(),
        "cte": part.get("Content-Transfer-Encoding"),
    }
    if not part.is_multipart():
        content = part.get_content()
        info["content"] = content.decode("utf-8") if isinstance(content, bytes) else content
    parts.append(info)

lines = raw.split(b"\r\n")
print(json.dumps({
    "from": addr("From"),
    "to": addr("To"),
    "subject": str(msg["Subject"]),
    "message_id": str(msg["Message-ID"]),
    "date": msg["Date"].datetime.timestamp(),
    "mime_version": str(msg["MIME-Version"]),
    "auto_submitted": str(msg["Auto-Submitted"]),
    "delivered_to": str(msg["Delivered-To"]) if msg["Delivered-To"] else None,
    "content_type": msg.get_content_type(),
    "parts": parts,
    "defects": defects,
    "bare_lf": b"\n" in raw.replace(b"\r\n", b""),
    "max_line": max(len(l) for l in lines),
    "header_names": [k for k in msg.keys()],
}))
"""#

    /// Parses an iCalendar file with the icalendar package and prints JSON.
    static let parseCalendar = #"""
import json, sys
from icalendar import Calendar

with open(sys.argv[1], "rb") as f:
    raw = f.read()
lines = raw.split(b"\r\n")
assert lines[-1] == b"", "the object must end with CRLF"
lines = lines[:-1]
folding = {
    "max_octets": max(len(l) for l in lines),
    "all_utf8": True,
    "bare_lf": b"\n" in raw.replace(b"\r\n", b""),
    "continuations": sum(1 for l in lines if l.startswith(b" ")),
}
for l in lines:
    try:
        l.decode("utf-8")
    except UnicodeDecodeError:
        folding["all_utf8"] = False

cal = Calendar.from_ical(raw)
events = cal.walk("VEVENT")
ev = events[0]
attendee = ev.get("ATTENDEE")
organizer = ev.get("ORGANIZER")
print(json.dumps({
    "method": str(cal.get("METHOD")),
    "version": str(cal.get("VERSION")),
    "prodid": str(cal.get("PRODID")),
    "events": len(events),
    "uid": str(ev.get("UID")),
    "sequence": int(ev.get("SEQUENCE")),
    "dtstart": ev.decoded("DTSTART").timestamp(),
    "dtend": ev.decoded("DTEND").timestamp(),
    "dtstart_utc": ev.decoded("DTSTART").utcoffset().total_seconds() == 0,
    "summary": str(ev.get("SUMMARY")),
    "location": str(ev.get("LOCATION")) if ev.get("LOCATION") is not None else None,
    "status": str(ev.get("STATUS")),
    "organizer": str(organizer),
    "organizer_cn": organizer.params.get("CN") if organizer is not None else None,
    "attendee": str(attendee),
    "attendee_cn": attendee.params.get("CN") if attendee is not None else None,
    "folding": folding,
    "errors": [str(e) for c in cal.walk() for e in getattr(c, "errors", [])],
}))
"""#
}
