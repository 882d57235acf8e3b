import CCurlSMTP
import Foundation
import Logging
import Metrics
import Tracing

/// Sends ended spans to an OpenTelemetry collector: OTLP over HTTP with the JSON encoding
/// (`POST <endpoint>/v1/traces`, `Content-Type: application/json`).
///
/// Spans wait in a bounded queue (``Configuration/queueCapacity``); when it is full, new
/// spans are dropped and counted (`samtak_trace_spans_dropped_total{reason="queue_full"}`),
/// so a slow or absent collector never holds up the service or grows its memory. One
/// dedicated thread (never the cooperative pool) sends a batch when it is full or
/// ``Configuration/scheduleDelay`` after its first span, through libcurl; a batch the
/// collector refuses or that times out is dropped and counted (`reason="export_failed"`),
/// not retried. ``shutdown(timeout:)`` sends what is queued, within the timeout.
final class OTLPExporter: SpanExporter, @unchecked Sendable {
    // @unchecked: the mutable state is guarded by `condition`.
    struct Configuration: Sendable {
        /// Full URL of the traces endpoint.
        var url: String
        var headers: [(String, String)] = []
        var serviceName: String
        var serviceInstance: String
        var queueCapacity = 4096
        var batchSize = 512
        var scheduleDelay: Duration = .seconds(1)
        var timeout: Duration = .seconds(10)
    }

    let configuration: Configuration
    let logger: Logger
    private let condition = NSCondition()
    private var queue: [FinishedSpan] = []
    private var firstQueuedAt: ContinuousClock.Instant?
    private var flushRequested = false
    private var stopping = false
    private var sending = false
    private var thread: Thread?
    private let exported = Counter(label: "samtak_trace_spans_exported_total")
    private let droppedQueueFull = Counter(label: "samtak_trace_spans_dropped_total", dimensions: [("reason", "queue_full")])
    private let droppedFailed = Counter(label: "samtak_trace_spans_dropped_total", dimensions: [("reason", "export_failed")])
    private var failuresLogged = 0
    private var counts = (exported: 0, dropped: 0, failed: 0)

    /// Spans sent, dropped because the queue was full, and lost in failed exports (for tests;
    /// the same figures are the `samtak_trace_spans_*` metrics).
    var statistics: (exported: Int, dropped: Int, failed: Int) {
        condition.lock()
        defer { condition.unlock() }
        return counts
    }

    init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        CurlRuntime.initialize()
        let thread = Thread { [self] in self.run() }
        thread.name = "otlp-exporter"
        self.thread = thread
        thread.start()
    }

    func export(_ span: FinishedSpan) {
        condition.lock()
        if stopping || queue.count >= configuration.queueCapacity {
            counts.dropped += 1
            condition.unlock()
            droppedQueueFull.increment()
            return
        }
        queue.append(span)
        if firstQueuedAt == nil { firstQueuedAt = .now }
        // The first span starts the thread's delay; a full batch goes at once.
        if queue.count == 1 || queue.count >= configuration.batchSize { condition.signal() }
        condition.unlock()
    }

    /// Sends what is queued now (does not wait for it).
    func flush() {
        condition.lock()
        flushRequested = true
        condition.signal()
        condition.unlock()
    }

    /// Sends what is queued and stops the thread; waits at most `timeout`.
    func shutdown(timeout: Duration) {
        condition.lock()
        stopping = true
        condition.broadcast()
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        while (!queue.isEmpty || sending) && Date() < deadline {
            _ = condition.wait(until: min(deadline, Date().addingTimeInterval(0.05)))
        }
        condition.unlock()
    }

    private func nextBatch() -> [FinishedSpan]? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if !queue.isEmpty {
                let due = firstQueuedAt.map { ContinuousClock.now - $0 >= configuration.scheduleDelay } ?? true
                if queue.count >= configuration.batchSize || due || flushRequested || stopping {
                    let count = min(queue.count, configuration.batchSize)
                    let batch = Array(queue.prefix(count))
                    queue.removeFirst(count)
                    // What is left has waited already: it goes in the next round at once.
                    if queue.isEmpty { firstQueuedAt = nil; flushRequested = false }
                    sending = true
                    return batch
                }
                let waited = ContinuousClock.now - (firstQueuedAt ?? .now)
                let remaining = configuration.scheduleDelay - waited
                _ = condition.wait(until: Date().addingTimeInterval(max(0.001, Double(remaining.components.seconds) + Double(remaining.components.attoseconds) / 1e18)))
                continue
            }
            flushRequested = false
            if stopping { return nil }
            condition.wait()
        }
    }

    private func run() {
        let handle = curl_easy_init()
        defer { if let handle { curl_easy_cleanup(handle) } }
        while let batch = nextBatch() {
            let body = OTLPJSON.encode(batch, serviceName: configuration.serviceName, serviceInstance: configuration.serviceInstance)
            let outcome = handle.map { post(body, handle: $0) } ?? "no libcurl handle"
            if let outcome {
                droppedFailed.increment(by: batch.count)
                condition.lock()
                counts.failed += batch.count
                failuresLogged += 1
                let log = failuresLogged == 1 || failuresLogged % 100 == 0
                condition.unlock()
                if log {
                    logger.warning("trace export failed; the batch is dropped", metadata: [
                        "spans": "\(batch.count)", "error": "\(outcome)", "failed_batches": "\(failuresLogged)",
                    ])
                }
            } else {
                exported.increment(by: batch.count)
            }
            condition.lock()
            if outcome == nil { counts.exported += batch.count }
            sending = false
            condition.broadcast()
            condition.unlock()
        }
    }

    /// POSTs one batch; nil on a 2xx answer, else what went wrong (no response body: it is not read).
    private func post(_ body: [UInt8], handle: UnsafeMutableRawPointer) -> String? {
        curl_easy_reset(handle)
        var headers: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Content-Type: application/json")
        for (name, value) in configuration.headers { headers = curl_slist_append(headers, "\(name): \(value)") }
        defer { curl_slist_free_all(headers) }
        let timeout = Int(configuration.timeout.components.seconds * 1000 + configuration.timeout.components.attoseconds / 1_000_000_000_000_000)
        return body.withUnsafeBufferPointer { buffer -> String? in
            _ = samtak_curl_setopt_string(handle, CURLOPT_URL, configuration.url)
            _ = samtak_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
            _ = samtak_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeout)
            _ = samtak_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, min(timeout, 5000))
            _ = samtak_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headers))
            _ = samtak_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, buffer.count)
            _ = samtak_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress))
            _ = samtak_curl_discard_response_body(handle)
            let code = curl_easy_perform(handle)
            _ = samtak_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, nil)
            guard code == CURLE_OK else { return "libcurl: \(String(cString: curl_easy_strerror(code)))" }
            var status = 0
            _ = samtak_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            return (200..<300).contains(status) ? nil : "HTTP \(status)"
        }
    }
}

/// `curl_global_init`, once, before the exporter's thread uses libcurl.
enum CurlRuntime {
    private static let initialized: Bool = { curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK }()
    @discardableResult static func initialize() -> Bool { initialized }
}

/// The OTLP/JSON encoding of spans (ExportTraceServiceRequest): ids as lowercase hex, 64-bit
/// integers as strings, enums as numbers.
enum OTLPJSON {
    static func encode(_ spans: [FinishedSpan], serviceName: String, serviceInstance: String) -> [UInt8] {
        var out = "{\"resourceSpans\":[{\"resource\":{\"attributes\":["
        out += attribute("service.name", .string(serviceName)) + "," + attribute("service.instance.id", .string(serviceInstance))
        out += "]},\"scopeSpans\":[{\"scope\":{\"name\":\"samtak\"},\"spans\":["
        for (index, span) in spans.enumerated() {
            if index > 0 { out += "," }
            out += "{\"traceId\":\"\(span.identity.traceID)\",\"spanId\":\"\(span.identity.spanIDHex)\""
            if let parent = span.parentSpanID { out += ",\"parentSpanId\":\"\(SpanIdentity.hex(parent))\"" }
            out += ",\"name\":\(JSONLogHandler.quote(span.name)),\"kind\":\(kind(span.kind))"
            out += ",\"startTimeUnixNano\":\"\(span.startNanoseconds)\",\"endTimeUnixNano\":\"\(span.endNanoseconds)\""
            out += ",\"attributes\":[" + span.attributes.map { attribute($0.0, $0.1) }.joined(separator: ",") + "]"
            if !span.events.isEmpty {
                out += ",\"events\":[" + span.events.map { event in
                    "{\"timeUnixNano\":\"\(event.nanoseconds)\",\"name\":\(JSONLogHandler.quote(event.name)),\"attributes\":["
                        + event.attributes.map { attribute($0.0, $0.1) }.joined(separator: ",") + "]}"
                }.joined(separator: ",") + "]"
            }
            if !span.links.isEmpty {
                out += ",\"links\":[" + span.links.map { "{\"traceId\":\"\($0.traceID)\",\"spanId\":\"\($0.spanIDHex)\"}" }.joined(separator: ",") + "]"
            }
            out += ",\"status\":{\"code\":\(span.status.code)"
            if let message = span.status.message { out += ",\"message\":\(JSONLogHandler.quote(message))" }
            out += "}}"
        }
        out += "]}]}]}"
        return Array(out.utf8)
    }

    static func kind(_ kind: SpanKind) -> Int {
        switch kind {
        case .internal: 1
        case .server: 2
        case .client: 3
        case .producer: 4
        case .consumer: 5
        }
    }

    static func attribute(_ key: String, _ value: ExportedAttribute) -> String {
        "{\"key\":\(JSONLogHandler.quote(key)),\"value\":\(self.value(value))}"
    }

    static func value(_ value: ExportedAttribute) -> String {
        switch value {
        case .string(let text): "{\"stringValue\":\(JSONLogHandler.quote(text))}"
        case .int(let number): "{\"intValue\":\"\(number)\"}"
        case .double(let number): number.isFinite ? "{\"doubleValue\":\(number)}" : "{\"stringValue\":\"\(number)\"}"
        case .bool(let flag): "{\"boolValue\":\(flag)}"
        case .strings(let list): "{\"arrayValue\":{\"values\":[" + list.map { "{\"stringValue\":\(JSONLogHandler.quote($0))}" }.joined(separator: ",") + "]}}"
        }
    }
}
