import Foundation
import Logging
import SamtakMessaging
@testable import SamtakRuntime
import SamtakTestSupport
import Testing
import Tracing

@Suite("W3C trace context")
struct TraceContextTests {
    @Test("traceparent round-trips, and what the specification calls invalid is refused", arguments: [
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", true),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", true),
        ("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-later", true),
        ("00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01", false),
        ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", false),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false),
        ("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", false),
        ("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", false),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", false),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bg-01", false),
        ("", false),
    ])
    func parse(header: String, valid: Bool) {
        let identity = SpanIdentity(traceparent: header)
        #expect((identity != nil) == valid, "\(header)")
        if let identity, header.hasPrefix("00-") {
            #expect(identity.traceparent == header)
            #expect(identity.traceID == "4bf92f3577b34da6a3ce929d0e0e4736" && identity.spanIDHex == "00f067aa0ba902b7")
            #expect(identity.sampled == header.hasSuffix("-01"))
        }
    }

    @Test("inject and extract carry a span's context; a child keeps the trace and gets its own span id")
    func propagation() throws {
        let tracer = SamtakTracer(exporter: CollectingExporter())
        let root = tracer.startSpan("root", context: .topLevel, ofKind: .server, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line)
        var carrier: [String: String] = [:]
        tracer.inject(root.context, into: &carrier, using: DictionaryInjector())
        let header = try #require(carrier["traceparent"])
        #expect(header == root.context.spanIdentity?.traceparent)
        var remote = InstrumentationContext.topLevel
        tracer.extract(carrier, into: &remote, using: DictionaryExtractor())
        let child = tracer.startSpan("child", context: remote, ofKind: .consumer, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line)
        #expect(child.context.spanIdentity?.traceID == root.context.spanIdentity?.traceID)
        #expect(child.context.spanIdentity?.spanID != root.context.spanIdentity?.spanID)
        #expect(child.parent == root.context.spanIdentity?.spanID)
        // Garbage is ignored: the next span starts a trace of its own.
        var garbage = InstrumentationContext.topLevel
        tracer.extract(["traceparent": "00-zz"], into: &garbage, using: DictionaryExtractor())
        #expect(garbage.spanIdentity == nil)
        // A parent that was not sampled: its children are not recorded either.
        var unsampled = InstrumentationContext.topLevel
        tracer.extract(["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"], into: &unsampled, using: DictionaryExtractor())
        let quiet = tracer.startSpan("quiet", context: unsampled, ofKind: .internal, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line)
        #expect(!quiet.isRecording)
    }
}

final class CollectingExporter: SpanExporter, @unchecked Sendable {
    let lock = NSLock()
    var spans: [FinishedSpan] = []
    func export(_ span: FinishedSpan) { lock.withLock { spans.append(span) } }
    func flush() {}
}

@Suite("OTLP/HTTP export", .serialized)
struct OTLPExportTests {
    static func exporter(_ url: String, capacity: Int = 4096, delay: Duration = .milliseconds(100)) -> OTLPExporter {
        OTLPExporter(configuration: .init(url: url, headers: [("x-samtak-test", "1")], serviceName: "samtak-test", serviceInstance: "test:1",
                                          queueCapacity: capacity, batchSize: 512, scheduleDelay: delay, timeout: .seconds(5)),
                     logger: TestEnvironment.logger)
    }

    @Test("spans reach an OTLP/HTTP collector as JSON: ids, parents, kinds, attributes, links, status, error events")
    func export() async throws {
        let receiver = try await SpanReceiver.start()
        defer { receiver.stop() }
        let exporter = Self.exporter(receiver.tracesURL)
        let tracer = SamtakTracer(exporter: exporter)
        let root = tracer.startSpan("POST /v1/cases", context: .topLevel, ofKind: .server, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line)
        root.attributes["http.route"] = "/v1/cases"
        root.attributes["http.response.status_code"] = 201
        root.attributes["samtak.flag"] = true
        root.attributes["samtak.ratio"] = 0.5
        let transaction = tracer.startSpan("db.transaction", context: root.context, ofKind: .client, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line)
        transaction.recordError(CancellationError())
        transaction.setStatus(SpanStatus(code: .error))
        transaction.end()
        var carrier: [String: String] = [:]
        tracer.inject(transaction.context, into: &carrier, using: DictionaryInjector())
        var remote = InstrumentationContext.topLevel
        tracer.extract(carrier, into: &remote, using: DictionaryExtractor())
        let consumer = tracer.startSpan("process case.submitted", context: remote, ofKind: .consumer, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line)
        consumer.addLink(SpanLink(context: root.context, attributes: [:]))
        consumer.end()
        consumer.end()  // a second end exports nothing more
        root.end()

        let spans = try await receiver.waitForSpans(timeout: .seconds(10)) { $0.count >= 3 }
        exporter.shutdown(timeout: .seconds(5))
        #expect(spans.count == 3 && receiver.rejected.isEmpty, "\(spans.map(\.name)) \(receiver.rejected)")
        let byName = Dictionary(uniqueKeysWithValues: spans.map { ($0.name, $0) })
        let r = try #require(byName["POST /v1/cases"]), t = try #require(byName["db.transaction"]), c = try #require(byName["process case.submitted"])
        #expect(Set(spans.map(\.traceID)).count == 1 && spans.allSatisfy { $0.service == "samtak-test" })
        #expect(r.parentSpanID == nil && t.parentSpanID == r.spanID && c.parentSpanID == t.spanID)
        #expect(r.kind == 2 && t.kind == 3 && c.kind == 5)
        #expect(r.attributes["http.route"] == "/v1/cases" && r.attributes["http.response.status_code"] == "201" && r.attributes["samtak.flag"] == "1")
        #expect(t.status == 2 && r.status == 0)
        #expect(c.links == [r.spanID])
        #expect(r.end >= r.start && r.start > 1_700_000_000_000_000_000)
        #expect(exporter.statistics.exported == 3 && exporter.statistics.dropped == 0 && exporter.statistics.failed == 0)
    }

    @Test("a full queue drops new spans (counted) instead of growing; shutdown sends what is queued")
    func boundedQueue() async throws {
        let receiver = try await SpanReceiver.start()
        defer { receiver.stop() }
        let exporter = Self.exporter(receiver.tracesURL, capacity: 3, delay: .seconds(30))
        let tracer = SamtakTracer(exporter: exporter)
        for index in 0..<5 {
            tracer.startSpan("span \(index)", context: .topLevel, ofKind: .internal, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line).end()
        }
        #expect(exporter.statistics.dropped == 2)
        exporter.shutdown(timeout: .seconds(10))
        #expect(exporter.statistics.exported == 3)
        #expect(receiver.spans().map(\.name) == ["span 0", "span 1", "span 2"])
    }

    @Test("a collector that is down or refuses costs the batch, never the service", arguments: ["closed port", "wrong path"])
    func failures(kind: String) async throws {
        let receiver = try await SpanReceiver.start()
        defer { receiver.stop() }
        let url = kind == "closed port" ? "http://127.0.0.1:\(freePort())/v1/traces" : receiver.baseURL + "/v1/elsewhere"
        let exporter = Self.exporter(url)
        let tracer = SamtakTracer(exporter: exporter)
        tracer.startSpan("lost", context: .topLevel, ofKind: .internal, at: DefaultTracerClock.now, function: #function, file: #fileID, line: #line).end()
        let started = ContinuousClock.now
        exporter.shutdown(timeout: .seconds(10))
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(exporter.statistics.failed == 1 && exporter.statistics.exported == 0)
    }
}

@Suite("Observability configuration")
struct ObservabilityConfigurationTests {
    @Test("tracing is off unless an endpoint is set; the traces path is added to a base URL")
    func endpoints() throws {
        #expect(try ObservabilityConfiguration(serviceName: "samtak-intake", environment: [:]).tracesURL == nil)
        #expect(try ObservabilityConfiguration(serviceName: "s", environment: ["SAMTAK_OTLP_ENDPOINT": "http://collector:4318/"]).tracesURL
            == "http://collector:4318/v1/traces")
        #expect(try ObservabilityConfiguration(serviceName: "s", environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "https://otel.example"]).tracesURL
            == "https://otel.example/v1/traces")
        #expect(try ObservabilityConfiguration(serviceName: "s", environment: [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "https://otel.example", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://traces.example/custom",
        ]).tracesURL == "https://traces.example/custom")
        let named = try ObservabilityConfiguration(serviceName: "samtak-notifier", environment: ["OTEL_SERVICE_NAME": "notifier-eu"])
        #expect(named.serviceName == "notifier-eu")
    }

    @Test("headers and the metrics token may come from files; bad values name the variable, never echo it")
    func secrets() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("samtak-otlp-headers-\(UUID().uuidString.prefix(8))")
        try Data("authorization=Bearer%20s3cret,x-tenant=nordby\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let configuration = try ObservabilityConfiguration(serviceName: "s", environment: [
            "SAMTAK_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_HEADERS_FILE": file.path, "SAMTAK_METRICS_TOKEN": "m-token",
        ])
        #expect(configuration.otlpHeaders.map { "\($0.0)=\($0.1)" } == ["authorization=Bearer s3cret", "x-tenant=nordby"])
        #expect(configuration.metricsToken == "m-token")
        for (variable, value) in [("SAMTAK_OTLP_ENDPOINT", "ftp://c/s3cret"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://user:s3cret@c"),
                                  ("OTEL_EXPORTER_OTLP_HEADERS", "s3cret")] {
            do {
                _ = try ObservabilityConfiguration(serviceName: "s", environment: [variable: value])
                Issue.record("\(variable)=\(value) was accepted")
            } catch {
                #expect(error.variable == variable && !error.description.contains("s3cret"), "\(error)")
            }
        }
    }
}
