import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A span as the OTLP receiver (`Tests/tools/otlp_receiver.py`) wrote it.
public struct ReceivedSpan: Sendable {
    public var service: String
    public var traceID: String
    public var spanID: String
    public var parentSpanID: String?
    public var name: String
    /// OTLP span kind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
    public var kind: Int
    /// OTLP status code: 0 unset, 1 ok, 2 error.
    public var status: Int
    /// Attribute values as text.
    public var attributes: [String: String]
    /// The span ids this span links to.
    public var links: [String]
    public var start: UInt64
    public var end: UInt64
}

/// The OTLP/HTTP (JSON) receiver on a free port, writing what it receives to a file: a stand-in
/// for an OpenTelemetry collector.
public final class SpanReceiver: Sendable {
    public let port: Int
    public let file: URL
    private let process: ChildProcess

    public var tracesURL: String { "http://127.0.0.1:\(port)/v1/traces" }
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    public static func start() async throws -> SpanReceiver {
        let port = freePort()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("samtak-spans-\(UUID().uuidString.prefix(8)).jsonl")
        let process = try await PythonTool.launch("otlp_receiver.py", arguments: ["--port", String(port), "--out", file.path, "--exit-with-parent"],
                                                  what: "the OTLP receiver") { await HTTPProbe.get(port: port, path: "/") != nil }
        return SpanReceiver(port: port, file: file, process: process)
    }

    private init(port: Int, file: URL, process: ChildProcess) {
        self.port = port
        self.file = file
        self.process = process
    }

    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: file)
        try? FileManager.default.removeItem(atPath: file.path + ".rejected")
    }

    /// The raw lines received so far (for checks on what the spans contain).
    public var text: String { (try? String(contentsOf: file, encoding: .utf8)) ?? "" }

    public func spans() -> [ReceivedSpan] {
        text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            let attributes = (object["attributes"] as? [String: Any] ?? [:]).mapValues { "\($0)" }
            let links = (object["links"] as? [[String: Any]] ?? []).compactMap { $0["span_id"] as? String }
            return ReceivedSpan(service: object["service"] as? String ?? "", traceID: object["trace_id"] as? String ?? "",
                                spanID: object["span_id"] as? String ?? "", parentSpanID: object["parent_span_id"] as? String,
                                name: object["name"] as? String ?? "", kind: object["kind"] as? Int ?? 0, status: object["status"] as? Int ?? 0,
                                attributes: attributes, links: links,
                                start: (object["start"] as? NSNumber)?.uint64Value ?? 0, end: (object["end"] as? NSNumber)?.uint64Value ?? 0)
        }
    }

    /// Every request the receiver refused as not OTLP JSON (none is expected).
    public var rejected: String { (try? String(contentsOfFile: file.path + ".rejected", encoding: .utf8)) ?? "" }

    /// Polls until `done` holds for the spans received (or `timeout` passes); returns them.
    public func waitForSpans(timeout: Duration, until done: @Sendable ([ReceivedSpan]) -> Bool) async throws -> [ReceivedSpan] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let spans = spans()
            if done(spans) || ContinuousClock.now > deadline { return spans }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
